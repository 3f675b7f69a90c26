#!/usr/bin/env python3
"""Writes the seed corpus of codec_decode_fuzzer: small valid and invalid packets, one file each.

Run from anywhere: python3 tests/fuzz/make_corpus.py. The vectors are the hand-checked ones of the
unit tests (tests/unit/codec/); names say what each packet is. Re-running rewrites the same files.
"""
import pathlib

SEEDS = {
    # valid, 3.1 / 3.1.1
    "connect_31": "10 0f 00 06 4d 51 49 73 64 70 03 02 00 3c 00 01 61",
    "connect_311": "10 0d 00 04 4d 51 54 54 04 02 00 3c 00 01 61",
    "connect_311_will_user_pass": "10 1c 00 04 4d 51 54 54 04 ee 00 0a 00 02 63 31 00 01 77 00 03 62 79 65"
                                  " 00 01 75 00 01 70",
    "connack_311": "20 02 01 00",
    "publish_311_qos0": "30 07 00 03 61 2f 62 68 69",
    "publish_311_qos1_dup_retain": "3b 09 00 03 61 2f 62 00 0a 68 69",
    "puback_311": "40 02 00 0a",
    "pubrec_311": "50 02 00 0a",
    "pubrel_311": "62 02 00 0a",
    "pubcomp_311": "70 02 00 0a",
    "subscribe_311": "82 0c 00 02 00 03 61 2f 62 00 00 01 23 02",
    "suback_311": "90 05 00 01 00 01 80",
    "unsubscribe_311": "a2 07 00 01 00 03 61 2f 62",
    "unsuback_311": "b0 02 00 01",
    "pingreq": "c0 00",
    "pingresp": "d0 00",
    "disconnect": "e0 00",
    # valid, 5.0
    "connect_5": "10 25 00 04 4d 51 54 54 05 86 00 3c 08 11 00 00 00 78 21 00 0a 00 01 63 05 18 00 00 00 05"
                 " 00 01 74 00 01 78 00 01 75",
    "connack_5_props": "20 0d 01 00 0a 12 00 02 69 64 22 00 0a 24 01",
    "publish_5_qos2_props": "34 1b 00 03 61 2f 62 00 07 11 01 01 02 00 00 00 3c 23 00 05 26 00 01 6b 00 01 76"
                            " 68 69",
    "publish_5_alias_only": "30 06 00 00 03 23 00 05",
    "publish_5_subscription_ids": "30 0b 00 03 61 2f 62 05 0b 01 0b 82 01",
    "puback_5_reason_string": "40 09 00 0a 87 05 1f 00 02 6e 6f",
    "pubrel_5_reason_only": "62 03 00 0a 92",
    "subscribe_5_options": "82 0b 00 01 02 0b 05 00 03 61 2f 23 2d",
    "subscribe_5_shared": "82 10 00 01 00 00 0a 24 73 68 61 72 65 2f 67 2f 61 01",
    "suback_5": "90 06 00 01 00 00 02 87",
    "unsuback_5": "b0 05 00 01 00 00 11",
    "disconnect_5_session_expiry": "e0 07 00 05 11 00 00 00 0a",
    "auth_5": "f0 0e 18 0c 15 00 05 53 43 52 41 4d 16 00 01 7a",
    "session_5_back_to_back": "10 0e 00 04 4d 51 54 54 05 02 00 3c 00 00 01 61 30 08 00 03 61 2f 62 00 68 69"
                              " c0 00 e0 00",
    # invalid: one broken rule each
    "bad_remaining_length_5_bytes": "30 ff ff ff ff 7f",
    "bad_remaining_length_not_minimal": "c0 80 00",
    "bad_reserved_type": "00 00",
    "bad_reserved_flags_puback": "41 02 00 01",
    "bad_protocol_name": "10 0d 00 04 4d 51 54 58 04 02 00 3c 00 01 61",
    "bad_protocol_level": "10 0d 00 04 4d 51 54 54 06 02 00 3c 00 01 61",
    "bad_connect_reserved_flag": "10 0d 00 04 4d 51 54 54 04 03 00 3c 00 01 61",
    "bad_will_qos3": "10 13 00 04 4d 51 54 54 04 1e 00 3c 00 01 61 00 01 77 00 01 78",
    "bad_password_without_user": "10 10 00 04 4d 51 54 54 04 42 00 3c 00 01 61 00 01 70",
    "bad_publish_qos3": "36 07 00 03 61 2f 62 00 01",
    "bad_publish_wildcard": "30 07 00 03 61 2f 2b 68 69",
    "bad_publish_null": "30 05 00 03 61 00 62",
    "bad_publish_surrogate": "30 05 00 03 ed a0 80",
    "bad_publish_packet_id_0": "32 07 00 03 61 2f 62 00 00",
    "bad_publish_duplicate_alias": "30 0c 00 03 61 2f 62 06 23 00 01 23 00 02",
    "bad_publish_property_not_allowed": "30 0b 00 03 61 2f 62 05 11 00 00 00 01",
    "bad_subscribe_filter": "82 0a 00 01 00 05 61 2f 23 2f 62 00",
    "bad_subscribe_plus": "82 07 00 01 00 02 61 2b 00",
    "bad_subscribe_no_filters": "82 02 00 01",
    "bad_subscribe_retain_handling_3": "82 09 00 01 00 00 03 61 2f 23 30",
    "bad_truncated_connect": "10 0d 00 04 4d 51 54 54 04 02 00 3c 00 05 61",
}


def main() -> None:
    out = pathlib.Path(__file__).resolve().parent / "corpus" / "codec_decode"
    out.mkdir(parents=True, exist_ok=True)
    for name, text in SEEDS.items():
        (out / name).write_bytes(bytes.fromhex(text))
    print(f"wrote {len(SEEDS)} seeds to {out}")


if __name__ == "__main__":
    main()
