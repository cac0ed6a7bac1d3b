#!/usr/bin/env python3
"""tests/ship/nkeys.py: a NATS user NKey for the ship tests, made without nsc.

  nkeys.py user DIR    writes DIR/user.creds (only the seed section, as a
                       .creds file has it) and prints the public key U...

The key pair is OpenSSL's (openssl genpkey -algorithm ed25519); the
encoding is written here from the NKeys description (base32 of prefix
bytes, key, CRC-16/XMODEM little-endian), independently of src/cli/nkey.c,
so a server configured with this public key checks the client's.
"""
import base64
import os
import subprocess
import sys

PREFIX_SEED = 18 << 3
PREFIX_USER = 20 << 3


def crc16(data):
    crc = 0
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def encode(raw):
    c = crc16(raw)
    return base64.b32encode(raw + bytes([c & 0xFF, c >> 8])).decode().rstrip("=")


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "user":
        sys.exit(__doc__)
    out = sys.argv[2]
    pem = subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-outform", "DER"], input=pem,
                         check=True, capture_output=True).stdout
    pub = subprocess.run(["openssl", "pkey", "-pubout", "-outform", "DER"], input=pem,
                         check=True, capture_output=True).stdout
    seed, public = der[-32:], pub[-32:]
    seed_text = encode(bytes([PREFIX_SEED | (PREFIX_USER >> 5), (PREFIX_USER & 31) << 3]) + seed)
    public_text = encode(bytes([PREFIX_USER]) + public)
    path = os.path.join(out, "user.creds")
    with open(path, "w") as f:
        f.write("************************* IMPORTANT *************************\n"
                "NKEY Seed printed below can be used to sign and prove identity.\n\n"
                "-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n" % seed_text)
    os.chmod(path, 0o600)
    print(public_text)


if __name__ == "__main__":
    main()
