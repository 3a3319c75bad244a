#!/usr/bin/env python3
"""Throwaway PKI and FerretDB instances for the security tests (C and Python).

Everything is made at test time, in a directory of the caller's choosing, and never committed:

* certificates, with the ``openssl`` CLI: a test CA and a second CA nobody trusts; a server
  certificate for ``localhost``/``127.0.0.1`` and one for another host name, both from the test
  CA; client certificates from either CA, and one whose private key is encrypted;
* FerretDB instances (the binary of ``scripts/ferretdb.sh build``), named ``sec-*``, each on
  free ports of 127.0.0.1:

  ========== =====================================================================
  sec-auth   SCRAM authentication (user ``sec_user`` in ``admin``, a random password
             full of characters that must be percent-encoded in a URL); plain TCP and
             TLS (server certificate of the test CA)
  sec-host   TLS only, with a certificate of the test CA for another host name
  sec-mtls   TLS only, client certificates of the test CA required
  ========== =====================================================================

Used as a module by tests/security/conftest.py and as a command by CTest's fixture for the C
security suites::

    sec_servers.py start DIR    # writes DIR/env (KEY=value lines) and prints it
    sec_servers.py stop DIR     # stops the instances started in DIR, removes DIR

The instances are started and stopped by tests/support/ferretdb_ctl.py (start_instance), as
every suite's FerretDB is: the passwords reach FerretDB through its environment
(FERRETDB_SETUP_PASSWORD), never its command line, which other users of the machine can read.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import quote

# tests/support (also when run as a command, by CTest)
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))

from ferretdb_ctl import Instance, binary, read_env_file, start_instance, stop_pids, write_env_file  # noqa: E402

USER = "sec_user"
# Characters a URL password must percent-encode, plus '%' itself and a space: the raw and the
# encoded forms of the password differ, and both must stay out of every message.
PASSWORD_SPECIALS = ":@/?#[]%+ "


def new_password() -> str:
    return f"Sx{secrets.token_hex(6)}{PASSWORD_SPECIALS}{secrets.token_hex(4)}"


def url_encoded(password: str) -> str:
    return quote(password, safe="")


# ------------------------------------------------------------------------------ certificates
# ECDSA P-256 keys: as good as RSA here, and much faster to generate.
KEY_ARGS = ("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1")

def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True, timeout=120)


def _new_ca(d: Path, name: str, subject: str) -> None:
    _openssl("req", "-x509", *KEY_ARGS, "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.pem",
             "-days", "2", "-subj", subject,
             "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
             cwd=d)


def _new_leaf(d: Path, name: str, ca: str, subject: str, ext: str, key_password: Optional[str] = None) -> None:
    _openssl("req", *KEY_ARGS, "-nodes", "-keyout", f"{name}.key", "-out", f"{name}.csr", "-subj", subject,
             cwd=d)
    (d / f"{name}.ext").write_text(ext)
    _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key", "-CAcreateserial",
             "-out", f"{name}.crt", "-days", "2", "-extfile", f"{name}.ext", cwd=d)
    key = (d / f"{name}.key").read_text()
    if key_password is not None:
        # An encrypted PKCS#8 key (libmongoc: tlsCertificateKeyFilePassword). The passphrase
        # goes through the environment, not openssl's command line.
        env = dict(os.environ, SEC_KEY_PASSWORD=key_password)
        subprocess.run(["openssl", "pkcs8", "-topk8", "-in", f"{name}.key", "-out", f"{name}.enc.key", "-v2",
                        "aes-256-cbc", "-passout", "env:SEC_KEY_PASSWORD"], cwd=d, check=True, capture_output=True,
                       env=env, timeout=120)
        key = (d / f"{name}.enc.key").read_text()
    # libmongoc's tlsCertificateKeyFile: certificate and private key in one PEM file.
    (d / f"{name}.pem").write_text((d / f"{name}.crt").read_text() + key)


SERVER_EXT = ("basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
              "extendedKeyUsage=serverAuth\nsubjectAltName={san}\n")
CLIENT_EXT = "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\nextendedKeyUsage=clientAuth\n"


def make_pki(d: Path, key_password: str) -> Dict[str, str]:
    """Creates the certificates in `d` (mode 700) and returns their paths by env name."""
    d.mkdir(parents=True, exist_ok=True)
    os.chmod(d, 0o700)
    _new_ca(d, "ca", "/O=mongo_odm tests/CN=mongo_odm test CA")
    _new_ca(d, "other-ca", "/O=mongo_odm tests/CN=untrusted test CA")
    _new_leaf(d, "server", "ca", "/O=mongo_odm tests/CN=localhost", SERVER_EXT.format(san="DNS:localhost,IP:127.0.0.1"))
    _new_leaf(d, "wrong-host", "ca", "/O=mongo_odm tests/CN=wrong-host.invalid",
              SERVER_EXT.format(san="DNS:wrong-host.invalid"))
    _new_leaf(d, "client", "ca", "/O=mongo_odm tests/CN=sec-client", CLIENT_EXT)
    _new_leaf(d, "client-encrypted", "ca", "/O=mongo_odm tests/CN=sec-client-encrypted", CLIENT_EXT,
              key_password=key_password)
    _new_leaf(d, "other-client", "other-ca", "/O=mongo_odm tests/CN=untrusted-client", CLIENT_EXT)
    return {
        "SEC_CA_FILE": str(d / "ca.pem"),
        "SEC_OTHER_CA_FILE": str(d / "other-ca.pem"),
        "SEC_CLIENT_PEM": str(d / "client.pem"),
        "SEC_CLIENT_ENCRYPTED_PEM": str(d / "client-encrypted.pem"),
        "SEC_CLIENT_KEY_PASSWORD": key_password,
        "SEC_OTHER_CLIENT_PEM": str(d / "other-client.pem"),
    }


# ------------------------------------------------------------------------------ the whole set
def start_all(root: Path) -> Dict[str, str]:
    """Creates the PKI and starts the three instances under `root`; returns their settings."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o700)
    pki = root / "pki"
    password = new_password()
    env = make_pki(pki, key_password=f"Kp{secrets.token_hex(6)}:@/?")
    ferretdb = binary()
    started: List[Instance] = []
    try:
        auth = start_instance(ferretdb, root, "sec-auth", tcp=True, user=USER, password=password,
                              tls={"cert": str(pki / "server.crt"), "key": str(pki / "server.key")})
        started.append(auth)
        host = start_instance(ferretdb, root, "sec-host", tcp=False,
                              tls={"cert": str(pki / "wrong-host.crt"), "key": str(pki / "wrong-host.key")})
        started.append(host)
        mtls = start_instance(ferretdb, root, "sec-mtls", tcp=False,
                              tls={"cert": str(pki / "server.crt"), "key": str(pki / "server.key"),
                                   "ca": str(pki / "ca.pem")})
        started.append(mtls)
    except Exception:
        stop_pids([inst.proc.pid for inst in started])
        raise
    env.update({
        "SEC_USER": USER,
        "SEC_PASSWORD": password,
        "SEC_PASSWORD_URL": url_encoded(password),
        "SEC_AUTH_PORT": str(auth.tcp_port),
        "SEC_AUTH_TLS_PORT": str(auth.tls_port),
        "SEC_HOST_TLS_PORT": str(host.tls_port),
        "SEC_MTLS_PORT": str(mtls.tls_port),
        "SEC_PIDS": " ".join(str(i.proc.pid) for i in started),
    })
    write_env_file(root / "env", env)  # the C suites read this file
    return env


def read_env(root: Path) -> Dict[str, str]:
    return read_env_file(Path(root) / "env")


def stop_all(root: Path, remove: bool = True) -> None:
    root = Path(root)
    pid_files = [root / name / "pid" for name in ("sec-auth", "sec-host", "sec-mtls")]
    pid_files = [p for p in pid_files if p.exists()]
    stop_pids([int(p.read_text()) for p in pid_files])
    for p in pid_files:
        p.unlink()
    if remove:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: List[str]) -> int:
    if len(argv) != 3 or argv[1] not in ("start", "stop"):
        print(f"usage: {argv[0]} start|stop DIR", file=sys.stderr)
        return 2
    root = Path(argv[2])
    if argv[1] == "start":
        stop_all(root)  # leftovers of an interrupted run
        env = start_all(root)
        print(json.dumps({k: v for k, v in env.items() if "PASSWORD" not in k}, indent=1))
        print(f"settings written to {root / 'env'}")
    else:
        stop_all(root)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
