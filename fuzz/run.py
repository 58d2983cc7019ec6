"""Bounded coverage-guided fuzzing (atheris, on libFuzzer) of the portal's parsers of hostile input.

uploads  portal.core.uploads.check_file on arbitrary bytes: sniffing, Pillow's JPEG/PNG decoders,
         pypdf, the polyglot check. It may only return a CheckedFile or raise Refused.
payload  portal.documents.signing.parse_payload and portal.documents.codes.parse_code on arbitrary
         text, as a phone would scan it from a sticker. parse_payload may only raise PayloadError;
         parse_code never raises (it answers OK, TYPO or MALFORMED).

Each target gets a fixed number of executions (--runs), not open-ended time, so a run takes
about half a minute and can sit next to the tests, yet goes well past the seeds' coverage. Each
run starts afresh from small seeds made in memory. A target stops at its first finding (as
libFuzzer does), its input kept in /tmp/portal-fuzz/artifacts/<target>/.

    python fuzz/run.py [--runs N] [--target uploads|payload|all]

Exits non-zero when a target found something (or could not run).
"""

import argparse
import io
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path("/tmp/portal-fuzz")
# Uploads: big enough for real image and PDF structure, small enough to stay fast. Payload: a QR
# code holds a few hundred characters at most.
MAX_LEN = {"uploads": 20000, "payload": 500}


def uploads_target(atheris):
    # Coverage of the checks and of the parsers they hand the bytes to; create_app, below, imports
    # the rest of the portal uninstrumented.
    with atheris.instrument_imports(include=["portal", "PIL", "pypdf"]):
        from PIL import Image
        from pypdf import PdfWriter, filters  # noqa: F401  filters: else imported, uninstrumented, on first use

        from portal.core.refusal import Refused
        from portal.core.uploads import check_file
        Image.preinit()  # likewise Pillow's JPEG and PNG plugins
    import logging

    from werkzeug.datastructures import FileStorage

    from portal import create_app

    logging.disable(logging.CRITICAL)  # pypdf logs a warning for every damaged file it repairs
    # The refusal messages are translated, so check_file needs a request: one, kept for the run.
    app = create_app({"DATABASE_URL": "sqlite://"}, env="testing")
    app.test_request_context(headers={"Accept-Language": "en"}).push()

    def test_one(data: bytes) -> None:
        try:
            check_file(FileStorage(stream=io.BytesIO(data), filename="f"), allowed=("pdf", "jpeg", "png"),
                       max_megabytes=1)
        except Refused:
            pass  # the one way to say no; anything else propagates and is a finding

    def image(kind: str, mode: str) -> bytes:
        out = io.BytesIO()
        Image.new(mode, (8, 8), "red").save(out, format=kind)
        return out.getvalue()

    pdf = io.BytesIO()
    writer = PdfWriter()
    writer.add_blank_page(width=72, height=72)
    writer.write(pdf)
    seeds = {"tiny.jpg": image("JPEG", "RGB"), "tiny.png": image("PNG", "RGB"),
             "palette.png": image("PNG", "P"), "blank.pdf": pdf.getvalue()}
    return test_one, seeds


def payload_target(atheris):
    with atheris.instrument_imports(include=["portal"]):  # atheris matches top-level packages only
        from portal.documents.codes import Parse, format_code, new_code, parse_code
        from portal.documents.signing import PayloadError, parse_payload, qr_payload, sign
    from datetime import date

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    def test_one(data: bytes) -> None:
        text = atheris.FuzzedDataProvider(data).ConsumeUnicodeNoSurrogates(len(data))
        parsed = parse_code(text)
        if parsed.outcome is Parse.OK:  # a code it accepts reads back as itself once printed
            assert parse_code(format_code(parsed.compact)) == parsed, parsed
        try:
            parse_payload(text)
        except PayloadError:
            pass  # what it promises for anything that is not a sticker payload

    code = new_code()
    facts = dict(code=code, mission="tokyo", on=date(2026, 11, 27), document_type="diploma")
    payload = qr_payload("https://consular.example.tw", **facts, signature=sign(Ed25519PrivateKey.generate(), **facts))
    # A first byte with its low bit set makes the FuzzedDataProvider read the rest as ASCII.
    seeds = {"payload": b"\x01" + payload.encode(), "code": b"\x01" + format_code(code).encode()}
    return test_one, seeds


def fuzz(target: str, runs: int) -> None:
    """In the child: atheris.Setup/Fuzz take the process over and exit it when done."""
    import atheris

    sys.path.insert(0, str(ROOT))
    test_one, seeds = {"uploads": uploads_target, "payload": payload_target}[target](atheris)
    corpus, artifacts = WORK / "corpus" / target, WORK / "artifacts" / target
    shutil.rmtree(corpus, ignore_errors=True)  # afresh each time, so the figures compare
    corpus.mkdir(parents=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    for name, data in seeds.items():
        (corpus / name).write_bytes(data)
    # -len_control=0: else libFuzzer lengthens inputs only when coverage stalls, and a bounded run
    # never gets past the seeds' size. -timeout: one input taking seconds is a finding too.
    atheris.Setup([sys.argv[0], f"-runs={runs}", f"-max_len={MAX_LEN[target]}", "-len_control=0", "-timeout=5",
                   "-print_final_stats=1", f"-artifact_prefix={artifacts}/", str(corpus)], test_one)
    atheris.Fuzz()


def run(target: str, runs: int) -> bool:
    """One target in its own process; prints its figures and returns whether it came out clean."""
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / f"{target}.log"
    started = time.monotonic()
    with log.open("w") as out:
        code = subprocess.run([sys.executable, __file__, "--runs", str(runs), "--child", target],
                              stdout=out, stderr=subprocess.STDOUT).returncode
    seconds = time.monotonic() - started
    text = log.read_text(errors="replace")
    executed = re.search(r"stat::number_of_executed_units: (\d+)", text) or re.search(r"Done (\d+) runs", text)
    crash = re.search(r"Test unit written to (\S+)", text)
    print(f"{target}: {executed.group(1) if executed else '?'} executions in {seconds:.1f} s, "
          + (f"FINDING, input saved as {crash.group(1)}" if crash else "no finding" if code == 0
             else f"exited {code} without a saved input") + f" (log: {log})")
    if crash:  # the Python traceback atheris printed
        found = re.search(r"=== Uncaught Python exception: ===\n(.*?)\n(?===|MS:)", text, re.S)
        print("    " + (found.group(1) if found else text[-2000:]).replace("\n", "\n    "))
    return code == 0 and not crash


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20000, help="executions per target (default 20000)")
    parser.add_argument("--target", choices=["uploads", "payload", "all"], default="all")
    parser.add_argument("--child", choices=list(MAX_LEN), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        fuzz(args.child, args.runs)
        return 0
    targets = list(MAX_LEN) if args.target == "all" else [args.target]
    results = [run(target, args.runs) for target in targets]  # every target, even after a finding
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
