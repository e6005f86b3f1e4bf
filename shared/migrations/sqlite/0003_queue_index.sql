-- "Waiting now" per site: the queue is tiny, the table is not.
CREATE INDEX escalations_by_site_status ON escalations (site_id, status);
