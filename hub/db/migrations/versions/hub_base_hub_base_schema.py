"""hub base schema

Revision ID: hub_base
Revises: 
Create Date: 2026-11-30 23:11:17.269123
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import hub.db.types
from sqlalchemy.dialects import postgresql

revision: str = 'hub_base'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('clinic',
    sa.Column('id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('timezone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('options', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('created_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('feed_event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('txid', sa.BigInteger(), nullable=False),
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('type', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('feed_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_feed_event_at'), ['at'], unique=False)
        batch_op.create_index('ix_feed_event_clinic_order', ['clinic_id', 'txid', 'id'], unique=False)

    op.create_table('job_lock',
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('plugin', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('job', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('locked_until', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_started_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('clinic_id', 'plugin', 'job')
    )
    op.create_table('job_run',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('plugin', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('job', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('started_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('duration_ms', sa.Integer(), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_job_run_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('plugin_health',
    sa.Column('plugin', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('hook', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('error', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('plugin', 'clinic_id')
    )
    op.create_table('settings_audit',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('plugin', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('action', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('fields', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('settings_audit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_settings_audit_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('answer_link',
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('appointment_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('token_hash')
    )
    with op.batch_alter_table('answer_link', schema=None) as batch_op:
        batch_op.create_index('ix_answer_link_appointment', ['clinic_id', 'appointment_id'], unique=False)

    op.create_table('api_token',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_token_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('appointment_alias',
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('alias', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('appointment_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('adopted_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', 'alias')
    )
    op.create_table('appointment_answer',
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('appointment_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('answer', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('answered_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('history', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', 'appointment_id')
    )
    op.create_table('event',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('hook', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('payload', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('source', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('created_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_clinic_hook_created', ['clinic_id', 'hook', 'created_at'], unique=False)
        batch_op.create_index('ix_event_clinic_subject', ['clinic_id', 'subject'], unique=False)

    op.create_table('id_mapping',
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('plugin', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('hub_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('updated_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', 'plugin', 'kind', 'hub_id', 'external_id')
    )
    with op.batch_alter_table('id_mapping', schema=None) as batch_op:
        batch_op.create_index('ix_id_mapping_external', ['clinic_id', 'plugin', 'kind', 'external_id'], unique=False)

    op.create_table('mailing',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('filters', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=True),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=998), nullable=True),
    sa.Column('matched', sa.Integer(), nullable=False),
    sa.Column('queued', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('estimate', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mailing', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailing_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('mailing_schedule',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('params', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('template_id', sa.BigInteger(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=998), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('communication_status', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('created_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('mailing_schedule', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mailing_schedule_clinic_id'), ['clinic_id'], unique=False)

    op.create_table('message',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('address', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('recipient_name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('recipient_search', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('patient_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('appointment_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('appointment_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('mailing_id', sa.BigInteger(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=998), nullable=True),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('fallback', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('essential', sa.Boolean(), nullable=False),
    sa.Column('communication_status', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('dedupe_key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('history', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('lease_owner', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('provider', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('provider_message_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('cost', sa.Numeric(precision=12, scale=4), nullable=True),
    sa.Column('error_code', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('error_text', sa.Text(), nullable=True),
    sa.Column('raw', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('created_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('delivered_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('polled_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.create_index('ix_message_clinic_appointment', ['clinic_id', 'appointment_id'], unique=False)
        batch_op.create_index('ix_message_clinic_created', ['clinic_id', 'created_at'], unique=False)
        batch_op.create_index('ix_message_due', ['next_attempt_at'], unique=False, postgresql_where=sa.text("status IN ('queued', 'sending')"), sqlite_where=sa.text("status IN ('queued', 'sending')"))
        batch_op.create_index(batch_op.f('ix_message_mailing_id'), ['mailing_id'], unique=False)
        batch_op.create_index('ix_message_provider_id', ['provider', 'provider_message_id'], unique=False)
        batch_op.create_index('uq_message_dedupe', ['clinic_id', 'dedupe_key'], unique=True)

    op.create_table('message_template',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('recipient', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('is_default', sa.Boolean(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=998), nullable=True),
    sa.Column('html', sa.Text(), nullable=True),
    sa.Column('created_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('message_template', schema=None) as batch_op:
        batch_op.create_index('ix_message_template_clinic_kind', ['clinic_id', 'kind'], unique=False)

    op.create_table('patient',
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('last_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('first_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('middle_name', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('sex', sqlmodel.sql.sqltypes.AutoString(length=6), nullable=True),
    sa.Column('phones', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=True),
    sa.Column('phone_verdict', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=True),
    sa.Column('opt_out', sa.Boolean(), nullable=False),
    sa.Column('inpatient', sa.Boolean(), nullable=False),
    sa.Column('deleted_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', 'external_id')
    )
    op.create_table('plugin_config',
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('plugin', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('settings', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('secrets', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('updated_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', 'plugin')
    )
    op.create_table('plugin_state',
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('plugin', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('value', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('updated_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', 'plugin', 'key')
    )
    op.create_table('reference_item',
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('data', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('removed_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('updated_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', 'kind', 'external_id')
    )
    op.create_table('scheduled_run',
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('rule', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('run_date', sa.Date(), nullable=False),
    sa.Column('planned_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('owner', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('lease_until', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('started_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('queued', sa.Integer(), nullable=False),
    sa.Column('skipped', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', 'rule', 'run_date')
    )
    op.create_table('stoplist_entry',
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('actor', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('created_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', 'phone')
    )
    op.create_table('appointment',
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('external_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('patient_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('doctor_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('specialty_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('services', sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), 'postgresql'), nullable=False),
    sa.Column('start', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('end', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('cabinet', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=50), nullable=False),
    sa.Column('comment', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('cancelled', sa.Boolean(), nullable=False),
    sa.Column('cancel_reason', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('communication_status', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=True),
    sa.Column('origin', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('status_changed_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id', 'patient_id'], ['patient.clinic_id', 'patient.external_id'], name='fk_appointment_patient', ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', 'external_id')
    )
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.create_index('ix_appointment_clinic_patient', ['clinic_id', 'patient_id'], unique=False)
        batch_op.create_index('ix_appointment_clinic_start', ['clinic_id', 'start'], unique=False)

    op.create_table('delivery',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('event_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('plugin', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('hook', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.Column('subject', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('next_attempt_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('lease_until', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.Column('leased_by', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True),
    sa.Column('last_error', sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    sa.Column('idempotency_key', sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
    sa.Column('created_at', hub.db.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', hub.db.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('idempotency_key')
    )
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.create_index('ix_delivery_due', ['next_attempt_at', 'id'], unique=False, postgresql_where=sa.text("status IN ('pending', 'retrying')"), sqlite_where=sa.text("status IN ('pending', 'retrying')"))
        batch_op.create_index(batch_op.f('ix_delivery_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_delivery_status', ['status', 'clinic_id', 'plugin'], unique=False)
        batch_op.create_index('ix_delivery_subject', ['clinic_id', 'plugin', 'subject', 'id'], unique=False)

    op.create_table('patient_phone',
    sa.Column('clinic_id', sqlmodel.sql.sqltypes.AutoString(length=63), nullable=False),
    sa.Column('e164', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('patient_id', sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id', 'patient_id'], ['patient.clinic_id', 'patient.external_id'], name='fk_patient_phone_patient', ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('clinic_id', 'e164', 'patient_id')
    )
    with op.batch_alter_table('patient_phone', schema=None) as batch_op:
        batch_op.create_index('ix_patient_phone_patient', ['clinic_id', 'patient_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('patient_phone', schema=None) as batch_op:
        batch_op.drop_index('ix_patient_phone_patient')

    op.drop_table('patient_phone')
    with op.batch_alter_table('delivery', schema=None) as batch_op:
        batch_op.drop_index('ix_delivery_subject')
        batch_op.drop_index('ix_delivery_status')
        batch_op.drop_index(batch_op.f('ix_delivery_event_id'))
        batch_op.drop_index('ix_delivery_due', postgresql_where=sa.text("status IN ('pending', 'retrying')"), sqlite_where=sa.text("status IN ('pending', 'retrying')"))

    op.drop_table('delivery')
    with op.batch_alter_table('appointment', schema=None) as batch_op:
        batch_op.drop_index('ix_appointment_clinic_start')
        batch_op.drop_index('ix_appointment_clinic_patient')

    op.drop_table('appointment')
    op.drop_table('stoplist_entry')
    op.drop_table('scheduled_run')
    op.drop_table('reference_item')
    op.drop_table('plugin_state')
    op.drop_table('plugin_config')
    op.drop_table('patient')
    with op.batch_alter_table('message_template', schema=None) as batch_op:
        batch_op.drop_index('ix_message_template_clinic_kind')

    op.drop_table('message_template')
    with op.batch_alter_table('message', schema=None) as batch_op:
        batch_op.drop_index('uq_message_dedupe')
        batch_op.drop_index('ix_message_provider_id')
        batch_op.drop_index(batch_op.f('ix_message_mailing_id'))
        batch_op.drop_index('ix_message_due', postgresql_where=sa.text("status IN ('queued', 'sending')"), sqlite_where=sa.text("status IN ('queued', 'sending')"))
        batch_op.drop_index('ix_message_clinic_created')
        batch_op.drop_index('ix_message_clinic_appointment')

    op.drop_table('message')
    with op.batch_alter_table('mailing_schedule', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailing_schedule_clinic_id'))

    op.drop_table('mailing_schedule')
    with op.batch_alter_table('mailing', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mailing_clinic_id'))

    op.drop_table('mailing')
    with op.batch_alter_table('id_mapping', schema=None) as batch_op:
        batch_op.drop_index('ix_id_mapping_external')

    op.drop_table('id_mapping')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_clinic_subject')
        batch_op.drop_index('ix_event_clinic_hook_created')

    op.drop_table('event')
    op.drop_table('appointment_answer')
    op.drop_table('appointment_alias')
    with op.batch_alter_table('api_token', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_token_clinic_id'))

    op.drop_table('api_token')
    with op.batch_alter_table('answer_link', schema=None) as batch_op:
        batch_op.drop_index('ix_answer_link_appointment')

    op.drop_table('answer_link')
    with op.batch_alter_table('settings_audit', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_settings_audit_clinic_id'))

    op.drop_table('settings_audit')
    op.drop_table('plugin_health')
    with op.batch_alter_table('job_run', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_job_run_clinic_id'))

    op.drop_table('job_run')
    op.drop_table('job_lock')
    with op.batch_alter_table('feed_event', schema=None) as batch_op:
        batch_op.drop_index('ix_feed_event_clinic_order')
        batch_op.drop_index(batch_op.f('ix_feed_event_at'))

    op.drop_table('feed_event')
    op.drop_table('clinic')
