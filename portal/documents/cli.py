"""`flask --app wsgi documents verify-payload | public-key`.

verify-payload checks a scanned sticker offline: it needs the public key only (a file or text given
with --public-key, else the half of this installation's own key) and never the database or network.
"""

import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from portal.documents import signing
from portal.documents.codes import format_code
from portal.documents.models import DocumentType

documents = AppGroup("documents", help="Document authentication: the public key and offline sticker checks.")


def _public_key(option: str | None):
    if not option:
        return signing.private_key(current_app.config).public_key()
    path = Path(option)
    return signing.load_public_key(path.read_text() if path.is_file() else option)


@documents.command("verify-payload")
@click.argument("payload")
@click.option("--public-key", "public_key", metavar="FILE_OR_BASE64",
              help="The portal's public key: the PEM from /verify/public-key, or base64 of its 32 bytes.")
def verify_payload(payload, public_key):
    """Check the text of a sticker's QR code against the public key, without the server."""
    try:
        key = _public_key(public_key)
        parsed = signing.parse_payload(payload)
    except (signing.PayloadError, OSError) as error:
        raise click.ClickException(str(error)) from None
    known = parsed.document_type in {t.value for t in DocumentType}
    click.echo(f"code:          {format_code(parsed.code)}")
    click.echo(f"mission:       {parsed.mission}")
    click.echo(f"date:          {parsed.on.isoformat()}")
    click.echo(f"document type: {parsed.document_type}" + ("" if known else " (not a type this portal issues)"))
    if signing.signature_is_valid(key, parsed):
        click.echo("signature:     VALID - signed with this key over exactly these facts.")
        click.echo("Whether it has since been revoked is known only online, at the address in the payload.")
        return
    click.echo("signature:     INVALID - not signed with this key, or the facts were changed.")
    sys.exit(1)


@documents.command("public-key")
def public_key_command():
    """Print the public key that checks sticker signatures (PEM)."""
    click.echo(signing.public_key_pem(signing.private_key(current_app.config)), nl=False)


#: what `flask --app wsgi` gains from this domain
commands = (documents,)
