-- What concierges did about an opportunity: the source of fct_opportunity_lifecycle.
-- Written only through the audited functions in `concierge` (the app never
-- inserts directly); dbt reads it as a source, engineers may inspect it.
-- depends: 0002__load_runs_quarantine

set local role wdp_owner;

create table concierge.opportunity_actions (
    opportunity_action_id bigint generated always as identity primary key,
    client_key text not null,
    opportunity_type text not null,
    opportunity_action text not null
    check (opportunity_action in ('contacted', 'actioned', 'dismissed')),
    -- Free text a concierge typed may name people: kept only encrypted
    -- (context concierge.opportunity_actions.note_encrypted).
    note_encrypted text,
    -- The database login that recorded the action (session_user), never a name.
    recorded_by_role text not null default session_user,
    recorded_at timestamptz not null default now()
);

create index opportunity_actions_client_idx
on concierge.opportunity_actions (client_key, opportunity_type, recorded_at);

comment on table concierge.opportunity_actions is
'Concierge actions on opportunities (contacted / actioned / dismissed), newest last.';

grant select on concierge.opportunity_actions to wdp_transformer, wdp_engineer;

reset role;
