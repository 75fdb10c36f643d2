// The signature check tool (eoffice/signing/api.py): any PDF, validated now, nothing stored.
import type { ApiClient } from "./client";
import type { Signature } from "./types";

export function signaturesApi(client: ApiClient) {
  return {
    verify(file: File, onProgress?: (fraction: number) => void): Promise<{ signatures: Signature[] }> {
      const form = new FormData();
      form.append("file", file, file.name);
      return client.upload<{ signatures: Signature[] }>("/api/v1/signatures/verify", form, onProgress);
    },
  };
}
