-- Record a concierge's action on an opportunity; the note arrives already encrypted.
select
    concierge.record_opportunity_action(
        :client_key, :opportunity_type, :opportunity_action, :note_encrypted
    ) as opportunity_action_id
