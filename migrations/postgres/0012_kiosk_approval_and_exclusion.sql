-- The province may require its approval of kiosks commune staff enrol (HAILONG_KIOSK_APPROVAL):
-- when and by whom a kiosk was approved. Kiosks a province admin created are approved by them.
alter table kiosks add column approved_at bigint;
alter table kiosks add column approved_by bigint references users (id);
update kiosks set approved_at = created_at, approved_by = enrolled_by
where enrolled_by in (select id from users where role = 'province_admin');

-- A province admin can leave all of one kiosk's ratings out of the figures in one step and count
-- them again: where each such rating stood before ('counted', or 'held' for a reviewer), so
-- counting it again restores exactly that. Null for every other response.
alter table responses add column kiosk_exclusion text check (kiosk_exclusion in ('counted', 'held'));

-- The kiosk rules read a kiosk's latest rating, and the staff page counts its ratings by
-- standing, from the index alone.
drop index responses_kiosk;
create index responses_kiosk on responses (kiosk_id, created_at, held, excluded) where kiosk_id is not null;
