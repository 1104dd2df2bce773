-- What the commune's follow-up list needs to know of a response, kept on the response itself:
-- its overall rating and whether it has a comment. Finding the last 30 days' unfavourable or
-- commented responses through `answers` took two index probes per response into the largest
-- table (about 300 ms per page at 10M responses on PostgreSQL); with these columns and the
-- partial index below it reads only the responses that belong in the list.
alter table responses add column overall integer;
alter table responses add column commented integer not null default 0;

update responses set overall = (
    select a.value_int from answers a where a.response_id = responses.id and a.question_id = 'overall'
);
update responses set commented = 1 where exists (
    select 1 from answers a
    where a.response_id = responses.id and a.question_id = 'comment' and a.value_text is not null
);

create index responses_feedback on responses (desk_id, created_at) where overall <= 2 or commented = 1;
-- Each desk's newest comments, for the commune page.
create index responses_comments on responses (desk_id, id) where commented = 1;
-- Replaced by the two above.
drop index answers_unfavourable;
drop index answers_comments;

-- The client-burst check counts one address's recent responses at one desk; behind a busy
-- address (a commune's Wi-Fi, a load test) the old (client_hash, created_at) index made it read
-- that address's responses at every desk.
drop index responses_client;
create index responses_client_desk on responses (client_hash, desk_id, created_at);
-- Likewise a phone's responses at one desk: with desk_id outside the device index, PostgreSQL's
-- generic plan combined it with an index on the desk alone and read the desk's whole history
-- on every submission.
drop index responses_device;
create index responses_device_desk on responses (device_hash, desk_id, created_at);
