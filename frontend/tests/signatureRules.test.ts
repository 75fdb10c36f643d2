import { describe, expect, it } from "vitest";
import type { Signature } from "../src/api/signatures";
import { assessSignature, signedAtSourceKey } from "../src/state/signatureRules";
import { translate } from "../src/i18n/translate";

function signature(overrides: Partial<Signature> = {}): Signature {
  return {
    field: "chu_ky_nguoi_ky",
    signer_name: "Trần Văn Minh",
    organization: "Ủy ban nhân dân tỉnh Quảng Nam",
    signed_at: "2026-11-20T02:00:00+00:00",
    signed_at_source: "timestamp",
    intact: true,
    modification: "none",
    trusted: true,
    revocation: "good",
    covers_whole_document: true,
    problems: [],
    ...overrides,
  };
}

const texts = (overrides: Partial<Signature>) => assessSignature(signature(overrides)).reasons.map((r) => r.text);

describe("signature colours", () => {
  it("is green when intact, trusted and not revoked, and says so", () => {
    const { level, reasons } = assessSignature(signature());
    expect(level).toBe("green");
    expect(reasons).toEqual([
      {
        level: "green",
        text: "Chữ ký nguyên vẹn; chứng thư do tổ chức chứng thực tin cậy cấp và chưa bị thu hồi.",
      },
    ]);
  });

  it("stays green when only the number, the date and later signatures were filled in after signing", () => {
    const assessed = assessSignature(signature({ modification: "form_filling", covers_whole_document: false }));
    expect(assessed.level).toBe("green");
    expect(assessed.reasons.map((r) => r.text)).toEqual([
      "Chữ ký nguyên vẹn; chứng thư do tổ chức chứng thực tin cậy cấp và chưa bị thu hồi.",
      "Sau khi ký chỉ điền số, ngày ban hành hoặc ký tiếp vào ô dành sẵn (được phép).",
      "Chữ ký bao trùm tệp như lúc ký, không bao trùm phần thêm sau đó (nêu ở trên).",
    ]);
  });

  it("is red when the signature is no longer intact, without the checks a broken signature cannot reach", () => {
    expect(assessSignature(signature({ intact: false })).level).toBe("red");
    // As the server reports a broken signature: trust and revocation could not be judged.
    const broken = { intact: false, trusted: false, revocation: "unknown", modification: "form_filling" } as const;
    expect(texts({ ...broken, covers_whole_document: false })).toEqual([
      "Chữ ký không còn nguyên vẹn: nội dung đã ký bị thay đổi.",
    ]);
  });

  it("is red when the file was modified after signing beyond what is allowed", () => {
    const assessed = assessSignature(signature({ modification: "other", covers_whole_document: false }));
    expect(assessed.level).toBe("red");
    expect(assessed.reasons[0]).toEqual({
      level: "red",
      text: "Tệp đã bị sửa sau khi ký (thêm, xóa hoặc đổi nội dung).",
    });
  });

  it("is red when the certificate is revoked, without also calling its authority untrusted", () => {
    const assessed = assessSignature(signature({ revocation: "revoked", trusted: false }));
    expect(assessed.level).toBe("red");
    expect(assessed.reasons.map((r) => r.text)).toEqual(["Chứng thư số của người ký đã bị thu hồi."]);
  });

  it("is amber when the certificate does not come from a trusted authority", () => {
    expect(assessSignature(signature({ trusted: false })).level).toBe("amber");
    expect(texts({ trusted: false })).toEqual(["Chứng thư không thuộc tổ chức chứng thực tin cậy."]);
  });

  it("is amber when the revocation status could not be checked", () => {
    expect(assessSignature(signature({ revocation: "unknown" })).level).toBe("amber");
    expect(texts({ revocation: "unknown" })).toEqual(["Chưa kiểm tra được tình trạng thu hồi của chứng thư."]);
  });

  it("is amber when annotations were added after signing", () => {
    const assessed = assessSignature(signature({ modification: "annotations", covers_whole_document: false }));
    expect(assessed.level).toBe("amber");
    expect(assessed.reasons.map((r) => [r.level, r.text])).toEqual([
      ["amber", "Sau khi ký, tệp có thêm chú thích (ghi chú, đánh dấu); nội dung đã ký không đổi."],
      ["green", "Chữ ký bao trùm tệp như lúc ký, không bao trùm phần thêm sau đó (nêu ở trên)."],
    ]);
  });

  it("is amber when the signature leaves part of the file uncovered with no later revision to explain it", () => {
    expect(assessSignature(signature({ covers_whole_document: false })).level).toBe("amber");
    expect(texts({ covers_whole_document: false })).toEqual(["Chữ ký không bao trùm toàn bộ tệp."]);
  });

  it("lists every reason, the worst first, and takes the worst colour", () => {
    const assessed = assessSignature(
      signature({ trusted: false, revocation: "unknown", modification: "other", covers_whole_document: false }),
    );
    expect(assessed.level).toBe("red");
    expect(assessed.reasons.map((r) => r.level)).toEqual(["red", "amber", "amber", "green"]);
    expect(assessed.reasons.map((r) => r.text)).toEqual([
      "Tệp đã bị sửa sau khi ký (thêm, xóa hoặc đổi nội dung).",
      "Chứng thư không thuộc tổ chức chứng thực tin cậy.",
      "Chưa kiểm tra được tình trạng thu hồi của chứng thư.",
      "Chữ ký bao trùm tệp như lúc ký, không bao trùm phần thêm sau đó (nêu ở trên).",
    ]);
  });

  it("still names a modification or a revocation found on a broken signature", () => {
    expect(texts({ intact: false, modification: "other", revocation: "revoked", trusted: false })).toEqual([
      "Chữ ký không còn nguyên vẹn: nội dung đã ký bị thay đổi.",
      "Tệp đã bị sửa sau khi ký (thêm, xóa hoặc đổi nội dung).",
      "Chứng thư số của người ký đã bị thu hồi.",
    ]);
  });

  it("speaks English when asked", () => {
    expect(assessSignature(signature({ trusted: false }), "en").reasons[0].text).toBe(
      "The certificate is not from a trusted certification authority.",
    );
  });
});

describe("where a signature's time comes from", () => {
  it("names the TSA's time-stamp or the signer's own claim, and nothing when there is no time", () => {
    const said = (source: Signature["signed_at_source"]) => {
      const key = signedAtSourceKey(source);
      return key && translate("vi", key);
    };
    expect(said("timestamp")).toBe("(dấu thời gian của TSA)");
    expect(said("claimed")).toBe("(thời gian do người ký khai)");
    expect(said(null)).toBeNull();
  });
});
