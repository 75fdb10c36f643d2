"""Commands for deployment scripts and operators: `flask --app wsgi <command>`."""

from __future__ import annotations

import sys

import click
from flask import Flask

from eoffice.api_base import ApiError
from eoffice.config import documented_settings
from eoffice.extensions import db


def register(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(load_demo)
    app.cli.add_command(show_settings)
    app.cli.add_command(mail_worker)
    app.cli.add_command(document_reminders)
    app.cli.add_command(records_reminders)
    app.cli.add_command(reminders)
    app.cli.add_command(records_import)
    app.cli.add_command(document_text_worker)
    app.cli.add_command(signature_worker)
    app.cli.add_command(axis_keygen)
    app.cli.add_command(axis_worker)
    app.cli.add_command(mail_intake_worker)


@click.command("create-admin")
@click.option("--agency-id", required=True, help="13-character agency identifier, e.g. 000.00.00.H49")
@click.option("--agency-name", required=True, help="Used when the agency does not exist yet")
@click.option("--username", required=True)
@click.option("--full-name", default=None, help="Defaults to the username")
@click.option("--email", default=None)
@click.option("--platform-admin", is_flag=True, help="May manage every agency, not only its own")
@click.option("--password-stdin", is_flag=True, required=True, help="Read the password from standard input")
def create_admin(agency_id, agency_name, username, full_name, email, platform_admin, password_stdin):
    """Create the agency if missing and an admin account in it, non-interactively."""
    from eoffice.accounts import operations
    from eoffice.accounts.models import Agency, Role

    password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < 8:
        raise click.ClickException("the password on standard input must be at least 8 characters")
    try:
        if db.session.get(Agency, agency_id) is None:
            operations.create_agency(agency_id, agency_name)
        user = operations.create_user(
            username=username,
            password=password,
            full_name=full_name or username,
            email=email,
            agency_id=agency_id,
            roles=[Role.ADMIN.value],
            is_platform_admin=platform_admin,
        )
    except ApiError as exc:
        db.session.rollback()
        raise click.ClickException(exc.message) from exc
    db.session.commit()
    click.echo(f"created admin {user.username} (id {user.id}) in agency {agency_id}")


@click.command("load-demo")
def load_demo():
    """Load the demo province once; running it again changes nothing."""
    from eoffice.demo import load_demo_data

    created = load_demo_data()
    db.session.commit()
    click.echo("demo data loaded" if created else "demo data already present")


@click.command("settings")
def show_settings():
    """List every EOFFICE_* setting with its default."""
    for name, default, doc in documented_settings():
        click.echo(f"{name}={'' if default is None else default}\t{doc}")


def _run_until_signalled(run_worker, **options) -> None:
    """Run a worker loop in this process until SIGINT or SIGTERM asks it to stop."""
    import signal
    import threading

    from flask import current_app

    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    run_worker(current_app._get_current_object(), stop, **options)


@click.command("mail-worker")
@click.option(
    "--poll-interval", default=1.0, show_default=True, help="Seconds between looks at an empty outbox"
)
@click.option("--batch-size", default=50, show_default=True, help="Messages leased per pass")
@click.option("--exit-when-idle", is_flag=True, help="Stop once nothing is due (for scripts and benchmarks)")
def mail_worker(poll_interval, batch_size, exit_when_idle):
    """Deliver the mail outbox: SMTP when EOFFICE_SMTP_HOST is set, else keep mail in the local outbox."""
    from eoffice.mail.tasks import run_worker

    _run_until_signalled(
        run_worker, poll_interval=poll_interval, batch_size=batch_size, exit_when_idle=exit_when_idle
    )


@click.command("axis-worker")
@click.option("--poll-interval", type=float, default=None, help="Seconds between looks at the axis when idle")
@click.option("--batch-size", default=20, show_default=True, help="Messages sent and taken per pass")
@click.option("--exit-when-idle", is_flag=True, help="Stop once nothing moved (for scripts and benchmarks)")
def axis_worker(poll_interval, batch_size, exit_when_idle):
    """Send packages and status notices to the national axis and take what arrived for our agencies."""
    from eoffice.axis.tasks import run_worker
    from eoffice.runtime import settings

    if not settings().axis_url:
        raise click.ClickException(
            "the axis is not configured: set EOFFICE_AXIS_URL and EOFFICE_AXIS_SYSTEMS"
        )
    _run_until_signalled(
        run_worker, poll_interval=poll_interval, batch_size=batch_size, exit_when_idle=exit_when_idle
    )


@click.command("mail-intake-worker")
@click.option("--poll-interval", type=float, default=None, help="Seconds between looks at each mailbox")
@click.option("--exit-when-idle", is_flag=True, help="Stop once a look took nothing (for scripts and tests)")
def mail_intake_worker(poll_interval, exit_when_idle):
    """Take documents from the agencies' official mailboxes (IMAP) as pending_registration arrivals."""
    from eoffice.mailbox.tasks import run_mail_intake_worker

    _run_until_signalled(run_mail_intake_worker, poll_interval=poll_interval, exit_when_idle=exit_when_idle)


def _queue_worker_options(batch_help: str):
    """The options of a worker that empties a queue of PDFs (their text, their signatures)."""
    options = [
        click.option(
            "--poll-interval", default=0.5, show_default=True, help="Seconds between looks at an empty queue"
        ),
        click.option("--batch-size", default=10, show_default=True, help=batch_help),
        click.option(
            "--exit-when-idle", is_flag=True, help="Stop once the queue is empty (for scripts and tests)"
        ),
    ]

    def decorate(command):
        for option in reversed(options):
            command = option(command)
        return command

    return decorate


@click.command("document-text-worker")
@_queue_worker_options("PDFs indexed per transaction")
def document_text_worker(poll_interval, batch_size, exit_when_idle):
    """Put the text of uploaded PDFs into search (EOFFICE_TEXT_EXTRACTION=background)."""
    from eoffice.documents.tasks import run_text_worker

    _run_until_signalled(
        run_text_worker, poll_interval=poll_interval, batch_size=batch_size, exit_when_idle=exit_when_idle
    )


@click.command("signature-worker")
@_queue_worker_options("PDFs validated per transaction")
def signature_worker(poll_interval, batch_size, exit_when_idle):
    """Validate the digital signatures of stored PDFs, once each, for the documents' signature panels."""
    from eoffice.signing.tasks import run_signature_worker

    _run_until_signalled(
        run_signature_worker,
        poll_interval=poll_interval,
        batch_size=batch_size,
        exit_when_idle=exit_when_idle,
    )


@click.command("document-reminders")
def document_reminders():
    """Queue e-mail reminders for handling deadlines that are near or past; run it hourly (cron)."""
    from eoffice.documents import clock
    from eoffice.documents.tasks import queue_deadline_reminders

    counts = queue_deadline_reminders(clock.now())
    db.session.commit()
    click.echo(f"reminders queued: {counts['near']} near the deadline, {counts['overdue']} past it")


@click.command("records-reminders")
def records_reminders():
    """Tell the responsible people of hand-overs to the archive whose deadline is near; run it hourly."""
    from eoffice.documents import clock
    from eoffice.records.operations import queue_handover_notices

    count = queue_handover_notices(clock.now())
    db.session.commit()
    click.echo(f"hand-over notices queued for {count} hand-overs")


@click.command("reminders")
@click.pass_context
def reminders(context):
    """Every reminder that is due: handling deadlines and hand-overs to the archive (the chart's CronJob)."""
    context.invoke(document_reminders)
    context.invoke(records_reminders)


@click.command("records-import")
@click.argument("package", type=click.Path(exists=True, dir_okay=False))
def records_import(package):
    """Restore a hand-over's archive package (GET /api/v1/records/handovers/<id>/export) into this
    instance, which must hold no documents and no case files yet."""
    from eoffice.records.package import PackageInvalid, import_package
    from eoffice.storage.operations import commit_or_discard

    try:
        with commit_or_discard():
            handover = import_package(package)
            count = len(handover.case_files)
    except PackageInvalid as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"imported {count} case files")


@click.command("axis-keygen")
@click.option("--agency-id", required=True, help="The hosted agency, e.g. 000.00.00.H49")
def axis_keygen(agency_id):
    """Create the agency's axis signing key and self-signed certificate (never replaces a key)."""
    from eoffice.accounts.models import Agency
    from eoffice.axis.keys import certificate_path, generate_identity, key_path
    from eoffice.runtime import settings

    agency = db.session.get(Agency, agency_id)
    if agency is None:
        raise click.ClickException(f"no agency {agency_id} here")
    folder = settings().effective_axis_key_dir
    if key_path(folder, agency_id).exists():
        raise click.ClickException(
            f"{key_path(folder, agency_id)} exists already; remove it to make a new key"
        )
    generate_identity(folder, agency_id, agency.name)
    click.echo(f"key: {key_path(folder, agency_id)}")
    click.echo(f"certificate (register it with the axis): {certificate_path(folder, agency_id)}")
