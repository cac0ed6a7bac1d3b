#!/usr/bin/env python3
"""tests/ship/nkeys.py: a NATS user NKey for the ship tests, made without nsc.

  nkeys.py user DIR      writes DIR/user.creds (only the seed section, as a
                         .creds file has it) and prints the public key U...
  nkeys.py operator DIR  operator mode: an operator, an account with
                         JetStream and a user; writes DIR/server.conf (the
                         operator, the account and a system account,
                         preloaded) and
                         DIR/user.creds (the user JWT and seed, as nsc does)

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


PREFIX_OPERATOR = 14 << 3
PREFIX_ACCOUNT = 0


def keypair(prefix):
    """(pem, seed text, public text) of a new Ed25519 key of that type."""
    pem = subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519"],
                         check=True, capture_output=True).stdout
    der = subprocess.run(["openssl", "pkey", "-outform", "DER"], input=pem,
                         check=True, capture_output=True).stdout
    pub = subprocess.run(["openssl", "pkey", "-pubout", "-outform", "DER"], input=pem,
                         check=True, capture_output=True).stdout
    seed_text = encode(bytes([PREFIX_SEED | (prefix >> 5), (prefix & 31) << 3]) + der[-32:])
    return pem, seed_text, encode(bytes([prefix]) + pub[-32:])


def write_creds(path, seed_text, jwt=None):
    with open(path, "w") as f:
        if jwt is not None:
            f.write("-----BEGIN NATS USER JWT-----\n%s\n------END NATS USER JWT------\n\n" % jwt)
        f.write("************************* IMPORTANT *************************\n"
                "NKEY Seed printed below can be used to sign and prove identity.\n\n"
                "-----BEGIN USER NKEY SEED-----\n%s\n------END USER NKEY SEED------\n" % seed_text)
    os.chmod(path, 0o600)


def b64(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(issuer_pem, issuer_public, subject, name, nats):
    """A NATS JWT (v2) signed by the issuer's key (openssl pkeyutl)."""
    import hashlib
    import json
    import tempfile
    import time
    claims = {"iat": int(time.time()), "iss": issuer_public, "name": name, "sub": subject,
              "nats": dict(nats, version=2)}
    claims["jti"] = base64.b32encode(hashlib.sha256(
        json.dumps(claims, sort_keys=True).encode()).digest()).decode().rstrip("=")
    signing = b64(json.dumps({"typ": "JWT", "alg": "ed25519-nkey"}).encode()) + "." + \
        b64(json.dumps(claims).encode())
    with tempfile.NamedTemporaryFile(suffix=".pem") as key, tempfile.NamedTemporaryFile() as data:
        key.write(issuer_pem)
        key.flush()
        data.write(signing.encode())
        data.flush()
        sig = subprocess.run(["openssl", "pkeyutl", "-sign", "-inkey", key.name, "-rawin",
                              "-in", data.name], check=True, capture_output=True).stdout
    return signing + "." + b64(sig)


def operator(out):
    op_pem, _, op_pub = keypair(PREFIX_OPERATOR)
    acc_pem, _, acc_pub = keypair(PREFIX_ACCOUNT)
    _, _, sys_pub = keypair(PREFIX_ACCOUNT)
    _, user_seed, user_pub = keypair(PREFIX_USER)
    unlimited = {"subs": -1, "data": -1, "payload": -1, "imports": -1, "exports": -1,
                 "wildcards": True, "conn": -1, "leaf": -1,
                 "mem_storage": -1, "disk_storage": -1, "streams": -1, "consumer": -1}
    op_jwt = jwt(op_pem, op_pub, op_pub, "w2e-operator", {"type": "operator"})
    acc_jwt = jwt(op_pem, op_pub, acc_pub, "w2e-account", {"type": "account", "limits": unlimited})
    sys_jwt = jwt(op_pem, op_pub, sys_pub, "SYS", {"type": "account"})
    user_jwt = jwt(acc_pem, acc_pub, user_pub, "w2e-user",
                   {"type": "user", "pub": {}, "sub": {}, "subs": -1, "data": -1, "payload": -1})
    with open(os.path.join(out, "server.conf"), "w") as f:
        f.write("operator: %s\nsystem_account: %s\nresolver: MEMORY\n"
                "resolver_preload: { %s: %s, %s: %s }\n"
                % (op_jwt, sys_pub, acc_pub, acc_jwt, sys_pub, sys_jwt))
    write_creds(os.path.join(out, "user.creds"), user_seed, user_jwt)


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("user", "operator"):
        sys.exit(__doc__)
    if sys.argv[1] == "operator":
        operator(sys.argv[2])
        return
    _, seed_text, public_text = keypair(PREFIX_USER)
    write_creds(os.path.join(sys.argv[2], "user.creds"), seed_text)
    print(public_text)


if __name__ == "__main__":
    main()
