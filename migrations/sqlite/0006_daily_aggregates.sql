-- Per-day counts of answers by desk, survey, question and level, kept up to date by the insert of
-- each batch of responses (and by a reviewer's exclusion), so dashboards and score runs add up a
-- few thousand rows instead of scanning millions of answers. `day` is the calendar day in Vietnam
-- (UTC+7). The row with question_id '' and level 0 counts responses. Excluded responses are not
-- counted here.
create table daily_answers (
    desk_id integer not null references desks (id),
    day text not null,
    survey_id text not null,
    question_id text not null,
    level integer not null,
    answers integer not null,
    primary key (desk_id, day, survey_id, question_id, level)
);
create index daily_answers_day on daily_answers (day);

insert into daily_answers (desk_id, day, survey_id, question_id, level, answers)
select r.desk_id, date(r.created_at / 1000 + 25200, 'unixepoch'), r.survey_id, '', 0, count(*)
from responses r where r.excluded = 0
group by r.desk_id, date(r.created_at / 1000 + 25200, 'unixepoch'), r.survey_id;

insert into daily_answers (desk_id, day, survey_id, question_id, level, answers)
select r.desk_id, date(r.created_at / 1000 + 25200, 'unixepoch'), r.survey_id, a.question_id, a.value_int, count(*)
from answers a join responses r on r.id = a.response_id
where r.excluded = 0 and a.value_int between 1 and 5
group by r.desk_id, date(r.created_at / 1000 + 25200, 'unixepoch'), r.survey_id, a.question_id, a.value_int;

-- Follow-up of unfavourable feedback by the commune: being handled, then resolved, with a note.
create table followups (
    response_id integer primary key references responses (id),
    state text not null check (state in ('handling', 'resolved')),
    note text not null,
    updated_by integer references users (id),
    updated_at integer not null,
    created_at integer not null
);

-- Dossiers a desk handled on a day (entered by the commune or imported), for response rates.
create table desk_dossiers (
    desk_id integer not null references desks (id),
    day text not null,
    handled integer not null,
    updated_by integer references users (id),
    created_at integer not null,
    primary key (desk_id, day)
);

-- The commune page's newest comments and its flagged responses: both are a small part of all
-- responses, and without these the database reads every response of the commune to find them.
create index answers_comments on answers (response_id) where question_id = 'comment' and value_text is not null;
create index responses_flagged on responses (desk_id, created_at) where flags is not null;
-- Unfavourable overall ratings (1–2), which the commune follows up.
create index answers_unfavourable on answers (response_id) where question_id = 'overall' and value_int <= 2;
