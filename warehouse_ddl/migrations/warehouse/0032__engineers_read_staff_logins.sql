-- Engineers read everything but keys (DESIGN §3): that includes which login acts
-- as which concierge, needed to investigate an access question.
-- depends: 0031__concierge_access_layer

set local role wdp_owner;

grant select on concierge.staff_logins to wdp_engineer;

reset role;
