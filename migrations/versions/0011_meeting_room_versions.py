"""meeting_room_versions: a counter per meeting raised by triggers on every change to its room state.

A hall of tablets joins at once after a restart; each join then reads this counter with the meeting
row and reuses the part of the state every participant shares while it has not moved. Triggers
(not the application) raise it, so no path and no process can change the room and leave a kept
state looking current. Private annotations do not count: they are read per user.

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

# Tables whose rows carry meeting_id and feed the shared state.
ROOM_TABLES = (
    'meeting_participants',
    'meeting_agenda_items',
    'meeting_documents',
    'meeting_speakers',
    'meeting_votes',
    'meeting_minutes',
    'meeting_minutes_sections',
)
RAISE = (
    "INSERT INTO meeting_room_versions (meeting_id, version) VALUES ({meeting}, 1) "
    "ON CONFLICT (meeting_id) DO UPDATE SET version = meeting_room_versions.version + 1"
)
ACCESS_MEETING = "(SELECT meeting_id FROM meeting_agenda_items WHERE id = {row}.agenda_item_id)"
# Only shared annotations are in the shared state.
ANNOTATION_CONDITIONS = {
    "INSERT": "NEW.is_shared",
    "UPDATE": "OLD.is_shared OR NEW.is_shared",
    "DELETE": "OLD.is_shared",
}


def upgrade():
    op.create_table('meeting_room_versions',
    sa.Column('meeting_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('meeting_id', name=op.f('pk_meeting_room_versions'))
    )
    if op.get_bind().dialect.name == "postgresql":
        _postgresql_triggers()
    else:
        _sqlite_triggers()


def _postgresql_triggers():
    op.execute(
        "CREATE FUNCTION meeting_room_changed() RETURNS trigger LANGUAGE plpgsql AS $$ "
        "DECLARE changed record; meeting integer; "
        "BEGIN "
        "IF TG_OP = 'DELETE' THEN changed := OLD; ELSE changed := NEW; END IF; "
        "IF TG_TABLE_NAME = 'meetings' THEN meeting := changed.id; "
        "ELSIF TG_TABLE_NAME = 'meeting_agenda_item_access' THEN "
        "SELECT meeting_id INTO meeting FROM meeting_agenda_items WHERE id = changed.agenda_item_id; "
        "ELSE meeting := changed.meeting_id; END IF; "
        f"IF meeting IS NOT NULL THEN {RAISE.format(meeting='meeting')}; END IF; "
        "RETURN NULL; END $$"
    )
    # Deferred to the commit: raised at once, the version row would stay locked from a transaction's
    # first change to its commit, and two changes crossing (the chair gives the floor — ends one
    # speech, then updates the request — while that delegate withdraws the request) deadlocked on
    # it. Taken last, at the commit, it is held for the commit alone and no cycle can form.
    deferred = "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW"
    for table in (*ROOM_TABLES, 'meeting_agenda_item_access'):
        op.execute(
            f"CREATE CONSTRAINT TRIGGER {table}_room_version AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"{deferred} EXECUTE FUNCTION meeting_room_changed()"
        )
    # A new meeting starts above any version a reused id may have left behind.
    op.execute(
        f"CREATE CONSTRAINT TRIGGER meetings_room_version AFTER INSERT ON meetings {deferred} "
        "EXECUTE FUNCTION meeting_room_changed()"
    )
    for action, condition in ANNOTATION_CONDITIONS.items():
        op.execute(
            f"CREATE CONSTRAINT TRIGGER meeting_annotations_room_{action.lower()} AFTER {action} "
            f"ON meeting_annotations {deferred} WHEN ({condition}) EXECUTE FUNCTION meeting_room_changed()"
        )



def _sqlite_triggers():
    # SQLite triggers name one action each and have no procedural language: one per table and action.
    def create(name, action, table, meeting, condition=None):
        when = f" WHEN {condition}" if condition else ""
        op.execute(
            f"CREATE TRIGGER {name} AFTER {action} ON {table}{when} BEGIN "
            f"{RAISE.format(meeting=meeting)}; END"
        )

    for action in ("INSERT", "UPDATE", "DELETE"):
        row = "OLD" if action == "DELETE" else "NEW"
        for table in ROOM_TABLES:
            create(f"{table}_room_{action.lower()}", action, table, f"{row}.meeting_id")
        create(
            f"meeting_agenda_item_access_room_{action.lower()}",
            action,
            'meeting_agenda_item_access',
            ACCESS_MEETING.format(row=row),
            f"{ACCESS_MEETING.format(row=row)} IS NOT NULL",
        )
        create(
            f"meeting_annotations_room_{action.lower()}",
            action,
            'meeting_annotations',
            f"{row}.meeting_id",
            ANNOTATION_CONDITIONS[action],
        )
    create("meetings_room_insert", "INSERT", 'meetings', "NEW.id")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in (*ROOM_TABLES, 'meeting_agenda_item_access', 'meetings'):
            op.execute(f"DROP TRIGGER {table}_room_version ON {table}")
        for action in ANNOTATION_CONDITIONS:
            op.execute(f"DROP TRIGGER meeting_annotations_room_{action.lower()} ON meeting_annotations")
        op.execute("DROP FUNCTION meeting_room_changed()")
    else:
        for action in ("insert", "update", "delete"):
            for table in (*ROOM_TABLES, 'meeting_agenda_item_access', 'meeting_annotations'):
                op.execute(f"DROP TRIGGER {table}_room_{action}")
        op.execute("DROP TRIGGER meetings_room_insert")
    op.drop_table('meeting_room_versions')
