package models

import (
	"fmt"

	"gorm.io/gorm"
)

// EndpointChangesChannel is the Postgres notification channel on which every
// update or deletion of an endpoint row is announced, its id as the payload.
// A trigger sends it, so no write path (the pages, the engine's disabling,
// an operator's SQL) can forget to; the engine's endpoint cache listens, so
// it need not read an endpoint's enabled flag before every attempt.
const EndpointChangesChannel = "loadhook_endpoint_changed"

// announceEndpointChanges installs, on Postgres, the trigger that notifies
// EndpointChangesChannel. The trigger is created only when missing, so a
// start beside running instances takes no lock on the endpoints table.
func announceEndpointChanges(db *gorm.DB) error {
	if IsSQLite(db) {
		return nil
	}
	steps := []string{
		`CREATE OR REPLACE FUNCTION loadhook_endpoint_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('` + EndpointChangesChannel + `', OLD.id::text);
	RETURN NULL;
END;
$$`,
		`DO $$
BEGIN
	IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'loadhook_endpoint_changed' AND tgrelid = 'endpoints'::regclass) THEN
		CREATE TRIGGER loadhook_endpoint_changed AFTER UPDATE OR DELETE ON endpoints
			FOR EACH ROW EXECUTE FUNCTION loadhook_endpoint_changed();
	END IF;
END;
$$`,
	}
	for _, step := range steps {
		if err := db.Exec(step).Error; err != nil {
			return fmt.Errorf("install the endpoint change trigger: %w", err)
		}
	}
	return nil
}
