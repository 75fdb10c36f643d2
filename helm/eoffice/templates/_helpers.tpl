{{/* Names, labels and the parts every pod of the release shares. */}}

{{- define "eoffice.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "eoffice.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "eoffice.labels" -}}
{{ include "eoffice.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "eoffice.serviceAccountName" -}}
{{- default (include "eoffice.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "eoffice.image" -}}
{{- if .Values.image.digest -}}
{{ .Values.image.repository }}@{{ .Values.image.digest }}
{{- else -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}
{{- end -}}

{{/* The axis worker runs, and EOFFICE_AXIS_* are set, when a real or the mock axis is there. */}}
{{- define "eoffice.axisActive" -}}
{{- if or .Values.axis.url .Values.mockAxis.enabled -}}true{{- end -}}
{{- end -}}

{{- define "eoffice.publicUrl" -}}
{{- if .Values.publicUrl -}}
{{ .Values.publicUrl }}
{{- else if .Values.ingress.enabled -}}
{{ ternary "https" "http" .Values.ingress.tls.enabled }}://{{ .Values.ingress.host }}
{{- end -}}
{{- end -}}

{{/*
A value of the chart's own Secret: the one given, else the one generated at the first install (read back
with lookup, so that upgrades keep it), else a new random one. Arguments: root, key, given, generated.
*/}}
{{- define "eoffice.secretValue" -}}
{{- $root := index . 0 -}}
{{- $key := index . 1 -}}
{{- $given := index . 2 -}}
{{- $generated := index . 3 -}}
{{- if $given -}}
{{ $given }}
{{- else -}}
{{- $existing := lookup "v1" "Secret" $root.Release.Namespace (include "eoffice.fullname" $root) -}}
{{- if and $existing (hasKey (default dict $existing.data) $key) -}}
{{ index $existing.data $key | b64dec }}
{{- else -}}
{{ $generated }}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A secretKeyRef env entry: to the named existing Secret and key, else to the chart's Secret. */}}
{{- define "eoffice.secretEnv" -}}
{{- $root := index . 0 -}}
- name: {{ index . 1 }}
  valueFrom:
    secretKeyRef:
      name: {{ default (include "eoffice.fullname" $root) (index . 2) }}
      key: {{ ternary (index . 3) (index . 4) (not (empty (index . 2))) }}
{{- end -}}

{{/* Settings of the application containers: the ConfigMap, and each secret from its Secret. */}}
{{- define "eoffice.env" -}}
envFrom:
  - configMapRef:
      name: {{ include "eoffice.fullname" . }}
env:
{{- with .Values.database }}
  {{- include "eoffice.secretEnv" (list $ "PGPASSWORD" .existingSecret .existingSecretPasswordKey "database-password") | nindent 2 }}
{{- end }}
{{- if .Values.redis.existingSecret }}
  {{- include "eoffice.secretEnv" (list $ "EOFFICE_REDIS_URL" .Values.redis.existingSecret .Values.redis.existingSecretUrlKey "") | nindent 2 }}
{{- end }}
{{- with .Values.s3 }}
  {{- include "eoffice.secretEnv" (list $ "EOFFICE_S3_ACCESS_KEY" .existingSecret .existingSecretAccessKeyKey "s3-access-key") | nindent 2 }}
  {{- include "eoffice.secretEnv" (list $ "EOFFICE_S3_SECRET_KEY" .existingSecret .existingSecretSecretKeyKey "s3-secret-key") | nindent 2 }}
{{- end }}
{{- with .Values.auth }}
  {{- include "eoffice.secretEnv" (list $ "EOFFICE_SECRET_KEY" .existingSecret .existingSecretSecretKeyKey "secret-key") | nindent 2 }}
  {{- include "eoffice.secretEnv" (list $ "EOFFICE_JWT_KEYS" .existingSecret .existingSecretJwtKeysKey "jwt-keys") | nindent 2 }}
{{- end }}
{{- with .Values.signing }}
  {{- include "eoffice.secretEnv" (list $ "EOFFICE_SIGNING_PIN" .existingSecret .existingSecretPinKey "signing-pin") | nindent 2 }}
{{- end }}
{{- if .Values.smtp.username }}
  {{- with .Values.smtp }}
  {{- include "eoffice.secretEnv" (list $ "EOFFICE_SMTP_PASSWORD" .existingSecret .existingSecretPasswordKey "smtp-password") | nindent 2 }}
  {{- end }}
{{- end }}
{{- if include "eoffice.axisActive" . }}
  {{- with .Values.axis }}
  {{- include "eoffice.secretEnv" (list $ "EOFFICE_AXIS_SYSTEMS" .existingSecret .existingSecretSystemsKey "axis-systems") | nindent 2 }}
  {{- end }}
{{- end }}
{{- end -}}

{{- define "eoffice.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "eoffice.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 10001
capabilities:
  drop: [ALL]
{{- end -}}

{{/* Writable places on a read-only root: /tmp and the instance folder, plus mounted keys. */}}
{{- define "eoffice.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
- name: instance
  mountPath: /var/lib/eoffice
{{- if .Values.axis.keysSecret }}
- name: axis-keys
  mountPath: /etc/eoffice/axis
  readOnly: true
{{- end }}
{{- if .Values.signing.keysClaim }}
- name: signing-keys
  mountPath: /var/lib/eoffice-signing/keys
{{- else if .Values.signing.keysSecret }}
- name: signing-keys
  mountPath: /var/lib/eoffice-signing/keys
  readOnly: true
{{- end }}
{{- if .Values.signing.trustRootsConfigMap }}
- name: trust-roots
  mountPath: /etc/eoffice/signing/trust
  readOnly: true
{{- end }}
{{- end -}}

{{- define "eoffice.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 2Gi
- name: instance
  emptyDir:
    sizeLimit: 1Gi
{{- if .Values.axis.keysSecret }}
- name: axis-keys
  secret:
    secretName: {{ .Values.axis.keysSecret }}
    defaultMode: 0400
{{- end }}
{{- if .Values.signing.keysClaim }}
- name: signing-keys
  persistentVolumeClaim:
    claimName: {{ .Values.signing.keysClaim }}
{{- else if .Values.signing.keysSecret }}
- name: signing-keys
  secret:
    secretName: {{ .Values.signing.keysSecret }}
    defaultMode: 0400
{{- end }}
{{- if .Values.signing.trustRootsConfigMap }}
- name: trust-roots
  configMap:
    name: {{ .Values.signing.trustRootsConfigMap }}
{{- end }}
{{- end -}}

{{/*
The pod of an application process. Arguments (a dict): root, component, command, and optionally ports,
probes (true for the HTTP ones), resources, restartPolicy, grace (seconds), spread (true for topology
spread), env (extra).
*/}}
{{- define "eoffice.pod" -}}
{{- $root := .root -}}
metadata:
  labels:
    {{- include "eoffice.labels" . | nindent 4 }}
  annotations:
    checksum/settings: {{ include (print $root.Template.BasePath "/settings.yaml") $root | sha256sum }}
    {{- with $root.Values.podAnnotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  serviceAccountName: {{ include "eoffice.serviceAccountName" $root }}
  automountServiceAccountToken: false
  {{- with .restartPolicy }}
  restartPolicy: {{ . }}
  {{- end }}
  {{- with .grace }}
  terminationGracePeriodSeconds: {{ . }}
  {{- end }}
  securityContext:
    {{- include "eoffice.podSecurityContext" $root | nindent 4 }}
  {{- with $root.Values.imagePullSecrets }}
  imagePullSecrets:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- if and .spread $root.Values.topologySpread.enabled }}
  topologySpreadConstraints:
    {{- range list "kubernetes.io/hostname" "topology.kubernetes.io/zone" }}
    - maxSkew: 1
      topologyKey: {{ . }}
      whenUnsatisfiable: ScheduleAnyway
      labelSelector:
        matchLabels:
          {{- include "eoffice.selectorLabels" $ | nindent 10 }}
    {{- end }}
  {{- end }}
  {{- with $root.Values.nodeSelector }}
  nodeSelector:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.tolerations }}
  tolerations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with $root.Values.affinity }}
  affinity:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  containers:
    - name: {{ .component }}
      image: {{ include "eoffice.image" $root }}
      imagePullPolicy: {{ $root.Values.image.pullPolicy }}
      command:
        {{- toYaml .command | nindent 8 }}
      {{- include "eoffice.env" $root | nindent 6 }}
        {{- with .env }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- if .ports }}
      ports:
        {{- toYaml .ports | nindent 8 }}
      {{- end }}
      {{- if .probes }}
      startupProbe:
        httpGet: {path: /healthz, port: http}
        periodSeconds: 5
        failureThreshold: 60
      livenessProbe:
        httpGet: {path: /healthz, port: http}
        periodSeconds: 10
        timeoutSeconds: 5
        failureThreshold: 6
      readinessProbe:
        # 503 while the database, the object store or Redis is unreachable: no traffic, no restart.
        httpGet: {path: /readyz, port: http}
        periodSeconds: 10
        timeoutSeconds: 10
        failureThreshold: 3
      {{- end }}
      resources:
        {{- toYaml .resources | nindent 8 }}
      securityContext:
        {{- include "eoffice.containerSecurityContext" $root | nindent 8 }}
      volumeMounts:
        {{- include "eoffice.volumeMounts" $root | nindent 8 }}
  volumes:
    {{- include "eoffice.volumes" $root | nindent 4 }}
{{- end -}}

{{/* Skips of checkov checks that every application container shares, each with its reason. */}}
{{- define "eoffice.checkovSkips" -}}
checkov.io/skip1: CKV_K8S_35=The server reads its settings only from EOFFICE_* environment variables (eoffice/config/settings.py); they come from Secrets by secretKeyRef, never from the ConfigMap
checkov.io/skip2: CKV_K8S_43=image.digest pins the image by digest when set; a tag is allowed for test installations
checkov.io/skip5: CKV_K8S_15=image.pullPolicy is the operator's choice; with image.digest the pinned image cannot change, so IfNotPresent never runs a stale one
{{- end -}}

{{- define "eoffice.trustRoots" -}}
{{- $files := list -}}
{{- range .trustRootsFiles -}}
{{- $files = append $files (printf "/etc/eoffice/signing/trust/%s" .) -}}
{{- end -}}
{{- join "," $files -}}
{{- end -}}
