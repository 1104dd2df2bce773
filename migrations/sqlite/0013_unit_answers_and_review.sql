-- Whose figures a unit's answers count in, and which district reviews it.
-- answers_to: the latest version reached from this unit by links that pass answers on (itself
-- while nothing replaced it). Every figure groups the answers of a desk by its commune's
-- answers_to, so a unit formed by a merger counts what was said at its predecessors' desks, and
-- a split commune's answers go to the one successor its link names, never to two.
-- review_district_id: the pre-reform district whose reviewers see the commune (its own district
-- before 1/7/2025; after it, the district of its predecessors), since no district exists today.
alter table admin_units add column answers_to integer references admin_units (id);
alter table admin_units add column review_district_id integer references admin_units (id);
update admin_units set answers_to = id;
update admin_units set review_district_id = parent_id
where level = 'commune' and parent_id in (select id from admin_units where level = 'district');
create index admin_units_answers_to on admin_units (answers_to);

-- Whether answers travel along a link: for a split, only the successor that took the old desks.
alter table unit_history add column takes_answers integer not null default 1;
update unit_history set takes_answers = 0
where kind = 'split' and not exists (
    select 1 from desks o join desks n on n.id = o.replaced_by
    where o.commune_id = unit_history.predecessor_id and n.commune_id = unit_history.successor_id
);
