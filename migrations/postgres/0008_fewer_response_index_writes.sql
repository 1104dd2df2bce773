-- Every index on `responses` is written by every submission; these were written for nothing.

-- Most responses carry no dossier code and no kiosk, yet these indexes held all of them. NULL
-- codes never collide and lookups are by a given code or kiosk, so indexes of the responses that
-- have one keep the same rules and serve the same queries.
drop index responses_desk_dossier;
create unique index responses_desk_dossier on responses (desk_id, dossier_code) where dossier_code is not null;
drop index responses_kiosk;
create index responses_kiosk on responses (kiosk_id) where kiosk_id is not null;

-- The address and identical-answers flags are counted in memory now (`abuse::RecentAtDesk`).
-- These two indexes had random keys: each response wrote a different page of each.
drop index responses_client_desk;
drop index responses_desk_digest;
