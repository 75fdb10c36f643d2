// The signature check tool and the signing certificates of people and seals (eoffice/signing/api.py).
import type { ApiClient } from "./client";

/** One signature of a PDF as the server validated it (eoffice/signing/schemas.py SignatureSchema). */
export interface Signature {
  field: string;
  signer_name: string | null;
  organization: string | null;
  /** ISO 8601, UTC: the time-stamp's time when there is one, else the time the signer claimed. */
  signed_at: string | null;
  /** timestamp: the RFC 3161 time-stamp's time; claimed: the signer's own clock; null with no time. */
  signed_at_source: "timestamp" | "claimed" | null;
  intact: boolean;
  modification: "none" | "form_filling" | "annotations" | "other";
  trusted: boolean;
  revocation: "good" | "revoked" | "unknown";
  covers_whole_document: boolean;
  problems: string[];
}

/** null: not a PDF, or a PDF stored before signatures were checked. */
export type SignatureCheckState = "pending" | "done" | "failed" | null;

/** A signing certificate as the server describes it (eoffice/signing/certificates.py describe). */
export interface CertificateDetails {
  subject: string;
  issuer: string;
  /** Hexadecimal. */
  serial: string;
  valid_from: string;
  valid_to: string;
}

/** The key of a person or of an agency's seal (GET/POST /api/v1/signatures/certificates/...). */
export interface OwnerCertificate {
  owner: string;
  /** pkcs12: the server keeps PKCS#12 files; pkcs11: the keys live in a token, only the certificate is uploaded. */
  key_store: "pkcs12" | "pkcs11";
  certificate: CertificateDetails | null;
  /** After an upload: what is doubtful (e.g. no trusted chain), as a reason code (eoffice.errors.ReasonCode)
   * the client says in its own words; `message` is the server's English, for the API. */
  warnings: { code: string; message: string }[];
}

/** Who a certificate belongs to: a person, or the seal of an agency. */
export type CertificateOwner = { kind: "person"; id: number } | { kind: "agency"; id: string };

/** The form parts beside the file: password and protection for a PKCS#12, pin for a token. */
export interface CertificateUpload {
  file: File;
  password?: string;
  protection?: "server" | "password";
  pin?: string;
}

function certificatePath(owner: CertificateOwner): string {
  const kind = owner.kind === "person" ? "people" : "agencies";
  return `/api/v1/signatures/certificates/${kind}/${encodeURIComponent(String(owner.id))}`;
}

export function signaturesApi(client: ApiClient) {
  return {
    verify(file: File, onProgress?: (fraction: number) => void): Promise<{ signatures: Signature[] }> {
      const form = new FormData();
      form.append("file", file, file.name);
      return client.upload<{ signatures: Signature[] }>("/api/v1/signatures/verify", form, onProgress);
    },
    certificate(owner: CertificateOwner): Promise<OwnerCertificate> {
      return client.get<OwnerCertificate>(certificatePath(owner));
    },
    // The secrets go in this one request only; the caller forgets them once it is sent.
    uploadCertificate(owner: CertificateOwner, upload: CertificateUpload): Promise<OwnerCertificate> {
      const form = new FormData();
      form.append("file", upload.file, upload.file.name);
      for (const key of ["password", "protection", "pin"] as const) {
        const value = upload[key];
        if (value) form.append(key, value);
      }
      return client.upload<OwnerCertificate>(certificatePath(owner), form);
    },
  };
}
