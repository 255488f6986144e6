"""The warehouse's mart tables: one row per business grain, as SQL over the loaded tables.

dbt's materialized marts: what a metric needs before as_of is known (the joins of a
deliverable, an approval round or a feedback response with its project and client, and for
reply episodes which message opens one and which answers it) is built once per load, in
the load's own transaction, so a reader sees either the old load with its marts or the new
one with its own. `metrics/` cuts each table at as_of; this module imports nothing of it.
"""

from __future__ import annotations

import hashlib

__all__ = ["CLIENTS_SQL", "MARTS", "PROJECTS_SQL", "fingerprint"]

CLIENTS_SQL = "SELECT client_id, client_name, account_manager, tier, status AS client_status FROM clients"
PROJECTS_SQL = (
    "SELECT project_id, client_id AS project_client_id, project_name, project_manager, department, "
    "status AS project_status FROM projects"
)

# Milestones of live projects, plus every live project without a single milestone row.
DELIVERABLES_SQL = f"""
WITH p AS ({PROJECTS_SQL}), c AS ({CLIENTS_SQL})
SELECT m.milestone_id AS deliverable_id, 'milestone' AS kind, m.milestone_name AS deliverable_name,
       m.owner AS owner, p.project_id, p.project_name, p.project_manager, p.department,
       c.client_id, c.client_name, c.account_manager, c.tier, m.status,
       m.baseline_due::TIMESTAMP AS baseline_due, m.due_date::TIMESTAMP AS due_date,
       m.delivered_date::TIMESTAMP AS delivered_date, m.slip_cause
FROM milestones m
JOIN p ON p.project_id = m.project_id
LEFT JOIN c ON c.client_id = p.project_client_id
WHERE coalesce(m.status, '') <> 'cancelled' AND coalesce(p.project_status, '') <> 'cancelled'
UNION ALL
SELECT pr.project_id, 'project', pr.project_name, pr.project_manager, pr.project_id, pr.project_name,
       pr.project_manager, pr.department, c.client_id, c.client_name, c.account_manager, c.tier, pr.status,
       pr.baseline_due::TIMESTAMP, pr.due_date::TIMESTAMP, pr.delivered_date::TIMESTAMP, pr.slip_cause
FROM projects pr
LEFT JOIN c ON c.client_id = pr.client_id
WHERE coalesce(pr.status, '') <> 'cancelled'
  AND NOT EXISTS (SELECT 1 FROM milestones m WHERE m.project_id = pr.project_id)
ORDER BY project_id, kind DESC, deliverable_id
"""

# A thread is a sequence of *runs*: maximal stretches of messages in one direction. A
# run of client messages holding a needs-reply message is exactly one agency episode:
# its first needs-reply message opens it (later ones find it open) and the message right
# after the run, necessarily an agency message, answers it; the mirror holds for runs of
# agency messages and client episodes. One window pass over each thread (ordered by
# sent_at, then message_id) numbers the messages, counts the client messages so far and
# looks one message ahead; a run is keyed by (thread, direction, number of messages of
# the other direction before it), i.e. the `outs_before` of a client message or the
# `ins_before` of an agency message. Only ids and times go through the window's sort; the
# opener's other columns are joined back afterwards, which halves the work on 1M rows.
#
# This runs over every message, whatever as_of: the messages up to as_of are a prefix of
# each thread's order, so their runs are prefixes of these runs. Cutting at as_of thus
# drops the episodes opened later and reopens those answered later, nothing else; the
# sync materializes this table once per load (metrics.materialized) and `episodes` cuts it.
EPISODE_LINKS_SQL = f"""
WITH o AS (
    SELECT message_id, thread_id, sent_at,
           direction = 'in' AS is_in,
           coalesce(needs_reply, direction = 'in') AS needs_reply,
           row_number() OVER w AS pos,
           count(*) FILTER (WHERE direction = 'in') OVER w AS ins_upto,
           lead(message_id) OVER w AS next_id,
           lead(sent_at) OVER w AS next_at,
           coalesce(lead(direction) OVER w <> direction, true) AS run_end
    FROM messages
    WHERE sent_at IS NOT NULL
    WINDOW w AS (PARTITION BY thread_id ORDER BY sent_at, message_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
),
r AS (
    SELECT *, CASE WHEN is_in THEN pos - ins_upto ELSE ins_upto END AS run_key
    FROM o
    WHERE needs_reply OR run_end
),
openers AS (
    SELECT thread_id, is_in, run_key, arg_min(message_id, pos) AS opened_by
    FROM r
    WHERE needs_reply
    GROUP BY thread_id, is_in, run_key
),
ends AS (
    SELECT thread_id, is_in, run_key, next_id, next_at FROM r WHERE run_end
)
SELECT e.opened_by AS episode_id,
       CASE WHEN e.is_in THEN 'agency' ELSE 'client' END AS side,
       e.thread_id,
       e.opened_by,
       m.sent_at AS opened_at,
       n.next_at AS answered_at,
       n.next_id AS answered_by,
       m.channel, m.sender,
       m.client_id, c.client_name, c.account_manager, c.tier,
       m.project_id, p.project_name, p.project_manager, p.department
FROM openers e
JOIN messages m ON m.message_id = e.opened_by
LEFT JOIN ends n ON n.thread_id = e.thread_id AND n.is_in = e.is_in AND n.run_key = e.run_key
LEFT JOIN ({CLIENTS_SQL}) c ON c.client_id = m.client_id
LEFT JOIN ({PROJECTS_SQL}) p ON p.project_id = m.project_id
ORDER BY opened_at, episode_id, side
"""

ROUNDS_SQL = f"""
WITH p AS ({PROJECTS_SQL}), c AS ({CLIENTS_SQL})
SELECT a.approval_id, a.project_id, p.project_name, p.project_manager, p.department,
       c.client_id, c.client_name, c.account_manager, c.tier,
       a.deliverable, a.project_id || '/' || a.deliverable AS deliverable_key,
       coalesce(a.round, 1) AS round, a.approver, a.sent_at, a.due_by::TIMESTAMP AS due_by,
       a.responded_at, a.decision
FROM approvals a
JOIN p ON p.project_id = a.project_id
LEFT JOIN c ON c.client_id = p.project_client_id
ORDER BY a.sent_at, a.approval_id
"""

RESPONSES_SQL = """
SELECT f.response_id, f.client_id, c.client_name, c.account_manager, c.tier,
       f.project_id, p.project_name, p.project_manager, p.department,
       f.received_on, coalesce(f.scale, 'nps') AS scale, f.score, f.respondent, f.comment
FROM feedback f
LEFT JOIN clients c ON c.client_id = f.client_id
LEFT JOIN projects p ON p.project_id = f.project_id
WHERE f.received_on IS NOT NULL
ORDER BY f.received_on, f.response_id
"""

# Every mart table: name → the SQL that builds it from the loaded tables.
MARTS: dict[str, str] = {
    "mart_deliverables": DELIVERABLES_SQL,
    "mart_reply_episodes": EPISODE_LINKS_SQL,
    "mart_approval_rounds": ROUNDS_SQL,
    "mart_feedback_responses": RESPONSES_SQL,
}


def fingerprint() -> str:
    """What a file's mart tables were built by: a changed SQL means they are rebuilt."""
    text = "\n".join(f"{name}:{' '.join(sql.split())}" for name, sql in MARTS.items())
    return hashlib.sha256(text.encode()).hexdigest()[:16]
