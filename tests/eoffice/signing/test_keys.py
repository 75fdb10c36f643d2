"""A PKCS#12 key stays unlocked between acts, and never where its file or its PIN says otherwise."""

from __future__ import annotations

import pytest

from eoffice.signing import authority
from eoffice.signing.keys import SigningRefused
from tests.eoffice.signing.conftest import SIGNER
from tests.fixtures.signing import shared_key


def serial_opened(instance, pin: str | None = None) -> int:
    with instance.keys.open_signer(SIGNER, pin) as key:
        return key.signing_cert.serial_number


def test_a_replaced_key_file_is_used_at_once(instance):
    before = serial_opened(instance)

    renewed = instance.issue(SIGNER, "Trần Văn Minh", "Ủy ban nhân dân tỉnh Quảng Nam")

    assert renewed.serial_number != before
    assert serial_opened(instance) == renewed.serial_number


def test_a_wrong_pin_is_refused_after_the_right_one_unlocked_the_key(instance):
    serial_opened(instance)

    with pytest.raises(SigningRefused) as refused:
        serial_opened(instance, "not-the-pin")

    assert refused.value.code == "signing_pin_invalid"
    assert serial_opened(instance) == serial_opened(instance, instance.settings.signing_pin)


def test_the_old_pin_is_refused_once_the_file_is_encrypted_with_a_new_one(instance):
    old_pin = instance.settings.signing_pin
    serial_opened(instance, old_pin)
    key, certificate = authority.issue_certificate(
        instance.ca,
        common_name="Trần Văn Minh",
        organization="Ủy ban nhân dân tỉnh Quảng Nam",
        public_url="http://127.0.0.1:9",
        key=shared_key(),
    )
    instance.keys.path(SIGNER).write_bytes(
        authority.pkcs12_bytes(key, certificate, instance.ca, "PIN-mới-2026")
    )

    with pytest.raises(SigningRefused) as refused:
        serial_opened(instance, old_pin)

    assert refused.value.code == "signing_pin_invalid"
    assert serial_opened(instance, "PIN-mới-2026") == certificate.serial_number
