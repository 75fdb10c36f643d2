"""Settings of digital signatures: the key store, trust roots and time-stamping."""

from __future__ import annotations

from dataclasses import dataclass

from eoffice.config.environment import (
    parse_bool,
    parse_choice,
    parse_optional_url,
    parse_str,
    setting,
)


@dataclass(frozen=True)
class SigningSettings:
    """Signing keys, PINs, trust and revocation."""

    signing_key_store: str = setting(
        "pkcs12",
        parse_choice("pkcs12", "pkcs11"),
        "Where signing keys live: pkcs12 (files `person-<username>.p12` and `agency-<agency id>.p12` in "
        "EOFFICE_SIGNING_KEY_DIR) or pkcs11 (a token: keys and certificates labelled the same way).",
    )
    signing_key_dir: str | None = setting(
        None, parse_str, "Folder of the PKCS#12 signing keys; unset means instance/signing/keys."
    )
    signing_pin: str | None = setting(
        None,
        parse_str,
        "Password of the PKCS#12 files or PIN of the token, when not given with each signing act; "
        "with pkcs12, unset means generated into instance/signing/pin. Never logged.",
    )
    signing_trust_roots: str | None = setting(
        None,
        parse_str,
        "PEM files of the certification authorities whose signatures are trusted, separated by commas; "
        "unset means the demo CA of instance/signing/ca when it exists.",
    )
    signing_fetch_revocation: bool = setting(
        True,
        parse_bool,
        "Fetch CRLs and OCSP answers named in certificates; the demo CA's CRL is always read locally.",
    )
    signing_pkcs11_module: str | None = setting(
        None, parse_str, "Path of the PKCS#11 module (e.g. /usr/lib/softhsm/libsofthsm2.so)."
    )
    signing_pkcs11_token: str | None = setting(
        None, parse_str, "Label of the PKCS#11 token holding the keys; unset means the first token."
    )
    signing_tsa_url: str | None = setting(
        None,
        parse_optional_url,
        "RFC 3161 time-stamp authority: every signature made carries its time-stamp; empty means none. "
        "The demo CA answers at <public URL>/api/v1/signatures/tsa.",
    )
