-- Map a login role to the concierge it acts as (row-level security reads this);
-- a login that is not a concierge (or no longer one) has no row.
delete from concierge.staff_logins
where login_role = %(login_role)s;

insert into concierge.staff_logins (login_role, concierge_id)
select
    %(login_role)s,
    %(concierge_id)s
where %(concierge_id)s is not null;
