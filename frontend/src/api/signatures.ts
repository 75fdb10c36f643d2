// The signature check tool and the signing certificates of people and seals (eoffice/signing/api.py).
import type { ApiClient } from "./client";
import type { CertificateOwner, CertificateUpload, OwnerCertificate, Signature } from "./types";

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
