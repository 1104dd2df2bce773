-- The follow-up list now holds every answer that is not satisfied: overall 1–3, "Bình thường"
-- included, the same line the satisfied share draws at 4–5 (`app::domain::followup`). The
-- partial index the list is read through covers those responses.
drop index responses_feedback;
create index responses_feedback on responses (desk_id, created_at) where overall <= 3 or commented = 1;
