"""Entry point: `app` for gunicorn and flask, and `python wsgi.py` serves it with Socket.IO."""

import sys

from eoffice import create_app
from eoffice.config import ConfigError

try:
    app = create_app()
except ConfigError as error:
    sys.exit(str(error))

if __name__ == "__main__":
    import threading

    from eoffice.documents.tasks import run_reminders_hourly
    from eoffice.extensions import socketio
    from eoffice.mail.tasks import run_worker
    from eoffice.records.operations import queue_handover_notices
    from eoffice.runtime import settings
    from eoffice.signing.tasks import run_signature_worker

    with app.app_context():
        host, port, axis_url = settings().host, settings().port, settings().axis_url
        # Inline extraction still leaves the OCR of scans to the text worker.
        text_worker = not settings().extracts_text_inline or settings().ocr
        mail_intake = settings().mail_intake
        metrics_port, database_url = settings().metrics_port, settings().effective_database_url
    if metrics_port:
        from eoffice.metrics import serve

        serve(host, metrics_port, database_url)
    # The single-machine default delivers (or keeps) mail, sends deadline reminders, validates the
    # signatures of stored PDFs, indexes PDF text when that is done in the background, recognises
    # scans and, when the national axis or the agencies' mailboxes (EOFFICE_MAIL_INTAKE) are configured,
    # takes documents from them, all from this process.
    threading.Thread(
        target=run_worker, args=(app, threading.Event()), daemon=True, name="mail-worker"
    ).start()
    threading.Thread(target=run_reminders_hourly, args=(app, threading.Event()), daemon=True).start()
    threading.Thread(
        target=run_reminders_hourly, args=(app, threading.Event(), queue_handover_notices), daemon=True
    ).start()
    threading.Thread(
        target=run_signature_worker, args=(app, threading.Event()), daemon=True, name="signature-worker"
    ).start()
    if text_worker:
        from eoffice.documents.tasks import run_text_worker

        threading.Thread(
            target=run_text_worker, args=(app, threading.Event()), daemon=True, name="text-worker"
        ).start()
    if mail_intake:
        from eoffice.mailbox.tasks import run_mail_intake_worker

        threading.Thread(
            target=run_mail_intake_worker, args=(app, threading.Event()), daemon=True, name="mail-intake"
        ).start()
    if axis_url:
        from eoffice.axis.tasks import run_worker as run_axis_worker

        threading.Thread(
            target=run_axis_worker, args=(app, threading.Event()), daemon=True, name="axis-worker"
        ).start()
    socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)
