"""question follow-ups and revisions (SPEC 8: a question FDA took up is not changed)

Revision ID: misc9_0001
Revises: abuse_0001
Create Date: 2026-11-30 09:00:00

"""
from alembic import op
import sqlalchemy as sa

import portal.models


# revision identifiers, used by Alembic.
revision = 'misc9_0001'
down_revision = "abuse_0001"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.add_column(sa.Column('follows_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_question_follows_id'), ['follows_id'], unique=False)
        batch_op.create_foreign_key(
            batch_op.f('fk_question_follows_id_question'), 'question', ['follows_id'], ['id']
        )

    op.create_table('question_revision',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('topic', sa.String(length=32), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('revised_at', portal.models.UTCDateTime(), nullable=False),
    sa.Column('revised_by_id', sa.Integer(), nullable=False),
    sa.Column('firm_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['firm_id'], ['firm.id'], name=op.f('fk_question_revision_firm_id_firm')),
    sa.ForeignKeyConstraint(['question_id'], ['question.id'], name=op.f('fk_question_revision_question_id_question')),
    sa.ForeignKeyConstraint(['revised_by_id'], ['user_account.id'], name=op.f('fk_question_revision_revised_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_question_revision'))
    )
    with op.batch_alter_table('question_revision', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_question_revision_firm_id'), ['firm_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_question_revision_question_id'), ['question_id'], unique=False)


def downgrade():
    with op.batch_alter_table('question_revision', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_question_revision_question_id'))
        batch_op.drop_index(batch_op.f('ix_question_revision_firm_id'))

    op.drop_table('question_revision')
    with op.batch_alter_table('question', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_question_follows_id_question'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_question_follows_id'))
        batch_op.drop_column('follows_id')
