"""The data of bench/documents_scale.py: a province's documents seeded straight in SQL, the words
of their subjects, the queries searched for, and the 1 MB PDFs registered."""

from __future__ import annotations

import io
import os
import random
import re
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent

AGENCIES = 256
USERS_PER_AGENCY = 32  # 1 clerk, 2 leaders, 29 specialists
PASSWORD = "bench-password"


def vocabulary() -> list[str]:
    """The syllables of bench/vietnamese_subjects.txt, most frequent first (ties: first seen first)."""
    counts: dict[str, int] = {}
    for line in (ROOT / "bench" / "vietnamese_subjects.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            continue
        for word in re.findall(r"[^\W\d_]+", line.lower().replace("v/v", "về việc")):
            counts[word] = counts.get(word, 0) + 1
    return sorted(counts, key=lambda word: -counts[word])


# Subjects are drawn word by word with Zipf's law over these ranks (the word of rank r with a
# weight of about 1/r), as words are in real text: a few words are in most subjects, most are rare.
WORDS = vocabulary()
# Query words: the 12 most frequent each occur in 13-50 % of the subjects; from rank 150 on, a word
# occurs in under 1 % (0.5 % for the last).
COMMON_WORDS = WORDS[:12]
RARE_FROM_RANK = 150


def search_queries(engine: sa.Engine, agency_id: str, count: int) -> tuple[list[str], list[str]]:
    """(common, rare) two-word queries: two of the most frequent words; or a rare word with another word
    of the same subject (an existing subject of the agency, so that the query finds something)."""
    common = [" ".join(random.sample(COMMON_WORDS, 2)) for _ in range(count)]
    rank = {word: index for index, word in enumerate(WORDS)}
    with engine.connect() as db:
        subjects = db.scalars(
            sa.text("SELECT subject FROM documents WHERE agency_id = :agency ORDER BY random() LIMIT 2000"),
            {"agency": agency_id},
        ).all()
    rare = []
    for subject in subjects:
        words = [word for word in dict.fromkeys(subject.split()) if word in rank]
        if not words:
            continue  # a document registered by an earlier run of this benchmark
        rarest = max(words, key=rank.__getitem__)
        if len(words) > 1 and rank[rarest] >= RARE_FROM_RANK:
            other = random.choice([word for word in words if word != rarest])
            rare.append(" ".join(random.sample([rarest, other], 2)))
    return common, rare[:count]


def seed(url: str, documents: int) -> None:
    from eoffice.accounts.passwords import hash_password
    from eoffice.documents.fulltext import fold

    engine = sa.create_engine(url)
    with engine.begin() as db:
        db.execute(
            sa.text("""
            INSERT INTO agencies (id, name, abbreviation, created_at)
            SELECT '000.' || lpad((i / 100)::text, 2, '0') || '.' || lpad((i % 100)::text, 2, '0') || '.H49',
                   'Cơ quan số ' || i, 'CQ' || i, now()
            FROM generate_series(0, :n - 1) i"""),
            {"n": AGENCIES},
        )
        db.execute(
            sa.text("""
            INSERT INTO units (agency_id, name, abbreviation, created_at)
            SELECT a.id, 'Phòng ' || u, 'P' || u, now() FROM agencies a, generate_series(1, 4) u""")
        )
        db.execute(
            sa.text("""
            INSERT INTO users (id, username, password_hash, full_name, email, agency_id, unit_id, language,
                               is_active, is_platform_admin, created_at, updated_at)
            SELECT a * :per + k + 1, 'u' || a || '.' || k, :hash, 'Người dùng ' || a || '.' || k,
                   'u' || a || '.' || k || '@bench.gov.vn',
                   '000.' || lpad((a / 100)::text, 2, '0') || '.' || lpad((a % 100)::text, 2, '0') || '.H49',
                   a * 4 + (k % 4) + 1, 'vi', true, false, now(), now()
            FROM generate_series(0, :agencies - 1) a, generate_series(0, :per - 1) k"""),
            {"per": USERS_PER_AGENCY, "agencies": AGENCIES, "hash": hash_password(PASSWORD)},
        )
        db.execute(
            sa.text("""
            INSERT INTO user_roles (user_id, role)
            SELECT id, CASE WHEN (id - 1) % :per = 0 THEN 'clerk'
                            WHEN (id - 1) % :per IN (1, 2) THEN 'leader' ELSE 'specialist' END
            FROM users"""),
            {"per": USERS_PER_AGENCY},
        )
        db.execute(sa.text("SELECT setval('users_id_seq', (SELECT max(id) FROM users))"))
        # One platform admin (a leader of agency 0 who also administers the platform): searches every agency.
        db.execute(sa.text("UPDATE users SET is_platform_admin = true WHERE username = 'u0.2'"))
        db.execute(
            sa.text(
                "INSERT INTO user_roles (user_id, role) SELECT id, 'admin' FROM users WHERE username = 'u0.2'"
            )
        )
        # Document i belongs to agency i % 256; its handler is specialist 3 + i % 29 of that agency.
        db.execute(sa.text("SELECT setseed(0.2026)"))
        db.execute(
            sa.text("""
            INSERT INTO documents (id, agency_id, direction, status, version, channel, issuer_id, issuer_name,
                document_type, number, notation, issued_date, subject, urgency, confidentiality, language,
                arrival_number, arrival_year, arrival_date, registered_at, is_legal_normative, review_round,
                created_by_id, created_at, updated_at, completed_at, directing_leader_id, series, number_year)
            SELECT i,
                '000.' || lpad(((i % :agencies) / 100)::text, 2, '0') || '.'
                    || lpad(((i % :agencies) % 100)::text, 2, '0') || '.H49',
                CASE WHEN i % 5 = 0 THEN 'outgoing' ELSE 'incoming' END,
                CASE WHEN i % 5 = 0 THEN 'issued'
                     ELSE (ARRAY['completed','completed','completed','completed','completed','completed',
                                 'in_progress','in_progress','assigned','registered','awaiting_direction',
                                 'completed'])[1 + (i / 5) % 12] END,
                1, 'upload', '000.00.99.H49', 'Sở Tài chính tỉnh Quảng Nam',
                CASE WHEN i % 3 = 0 THEN 'QĐ' ELSE 'CV' END, i / :agencies, 'STC-NS',
                DATE '2024-01-01' + (i % 1000),
                (SELECT string_agg(w, ' ') FROM (
                    SELECT (CAST(:words AS text[]))[
                        LEAST(:nwords, floor(power(:nwords + 1, random()))::int)] w
                    FROM generate_series(1, 8 + i % 5) g) s),
                'normal', 'none', 'vi',
                CASE WHEN i % 5 = 0 THEN NULL ELSE i / :agencies END,
                CASE WHEN i % 5 = 0 THEN NULL ELSE 2026 END,
                DATE '2024-01-01' + (i % 1000),
                now() - make_interval(secs => (:n - i) * 60),
                false, 0,
                (i % :agencies) * :per + 1,
                now() - make_interval(secs => (:n - i) * 60), now(),
                CASE WHEN i % 5 <> 0 AND (i / 5) % 12 IN (0,1,2,3,4,5,11) THEN now() END,
                (i % :agencies) * :per + 2,
                CASE WHEN i % 5 = 0 THEN 'general' END,
                CASE WHEN i % 5 = 0 THEN 2026 END
            FROM generate_series(1, :n) i"""),
            {
                "n": documents,
                "agencies": AGENCIES,
                "per": USERS_PER_AGENCY,
                "words": WORDS,
                "nwords": len(WORDS),
            },
        )
        db.execute(sa.text("SELECT setval('documents_id_seq', :n)"), {"n": documents})
        # The counters continue where the seeded numbers stop, as they would have in real use.
        db.execute(
            sa.text("""
            INSERT INTO number_counters (agency_id, year, series, last_number)
            SELECT agency_id, 2026, 'arrival', max(arrival_number) FROM documents
            WHERE arrival_number IS NOT NULL GROUP BY agency_id
            UNION ALL
            SELECT agency_id, 2026, 'general', max(number) FROM documents
            WHERE direction = 'outgoing' GROUP BY agency_id""")
        )
        db.execute(
            sa.text("""
            INSERT INTO document_assignments
                (id, document_id, assigned_by_id, direction_text, deadline, created_at)
            SELECT id, id, (id % :agencies) * :per + 2, 'Giao xử lý',
                   current_date + (id % 30) - 10, created_at
            FROM documents
            WHERE status IN ('assigned', 'in_progress', 'completed') AND direction = 'incoming'"""),
            {"agencies": AGENCIES, "per": USERS_PER_AGENCY},
        )
        db.execute(
            sa.text(
                "SELECT setval('document_assignments_id_seq', (SELECT max(id) FROM document_assignments))"
            )
        )
        db.execute(
            sa.text("""
            INSERT INTO document_assignment_members (assignment_id, role, user_id)
            SELECT id, 'primary', (id % :agencies) * :per + 4 + (id / :agencies) % 29
            FROM document_assignments"""),
            {"agencies": AGENCIES, "per": USERS_PER_AGENCY},
        )
        db.execute(
            sa.text("""
            INSERT INTO document_participants (document_id, user_id, named_at)
            SELECT a.document_id, m.user_id, a.created_at
            FROM document_assignments a JOIN document_assignment_members m ON m.assignment_id = a.id
            UNION ALL
            SELECT id, directing_leader_id, created_at FROM documents WHERE direction = 'incoming'""")
        )
        # Fold the subjects the way the application does (same characters in, same characters out).
        letters = sorted({char for word in WORDS for char in word.lower() if fold(char) != char})
        db.execute(
            sa.text("""
            INSERT INTO document_search (document_id, agency_id, body, file_text)
            SELECT id, agency_id,
                   translate(lower(subject), :source, :target) || ' ' || lpad(number::text, 2, '0')
                       || ' stc ns',
                   ''
            FROM documents"""),
            {"source": "".join(letters), "target": "".join(fold(char) for char in letters)},
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        db.execute(sa.text("VACUUM ANALYZE"))
    engine.dispose()


def remove_registered(url: str) -> None:
    """Delete the documents the registration step added to a kept database: the next run searches the seed.

    Foreign-key triggers are off for this transaction (faster than firing them row by row), so every
    table that points at the deleted rows is named here.
    """
    registered = "SELECT id FROM documents WHERE issuer_id = '000.00.98.H49'"
    engine = sa.create_engine(url)
    with engine.begin() as db:
        db.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for table in (
            "document_files",
            "document_participants",
            "document_trace",
            "document_search",
            "document_text_extractions",
        ):
            db.execute(sa.text(f"DELETE FROM {table} WHERE document_id IN ({registered})"))
        db.execute(
            sa.text("DELETE FROM stored_files WHERE id NOT IN (SELECT stored_file_id FROM document_files)")
        )
        db.execute(sa.text(f"DELETE FROM documents WHERE id IN ({registered})"))
    # The deleted rows sit at the newest end of one agency's documents, where its lists and searches
    # start: vacuumed now, as autovacuum would have in time, so the next run does not walk over them.
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as db:
        db.execute(sa.text("VACUUM ANALYZE documents, document_search, document_trace, document_files"))
    engine.dispose()


def one_megabyte_pdf(index: int) -> bytes:
    """Three pages of Vietnamese text and a 1 MB attachment: the size of a scanned official letter."""
    from pypdf import PdfReader, PdfWriter

    from eoffice.pdfgen import text_pdf

    pages = text_pdf(f"Công văn số {index}", [" ".join(random.choices(WORDS, k=60)) for _ in range(30)])
    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pages)))
    writer.add_attachment("phu-luc.bin", os.urandom(1024 * 1024 - len(pages)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
