-- Most responses carry no dossier code, and the index that keeps a dossier rated once per desk
-- held all of them: one more index page written per response for nothing. NULL codes never
-- collide, so an index of the responses that have a code keeps the same rule.
drop index responses_desk_dossier;
create unique index responses_desk_dossier on responses (desk_id, dossier_code) where dossier_code is not null;
