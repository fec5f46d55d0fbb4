package models

import (
	"fmt"
	"sync/atomic"

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

// endpointWriteHooks numbers the callbacks OnEndpointWrite registers: GORM
// keeps one per name.
var endpointWriteHooks atomic.Int64

// OnEndpointWrite calls changed after every statement of this process that
// creates, updates or deletes endpoint rows: GORM's callbacks see them all,
// since the models write endpoints through GORM alone. On SQLite, whose
// file one process serves, that is every change (an edit made meanwhile by
// hand with the sqlite3 shell is seen when the entry expires); Postgres
// announces changes with a trigger instead (EndpointChangesChannel). It
// runs before the commit: a change rolled back costs a reload, nothing more.
func (s *Store) OnEndpointWrite(changed func()) error {
	stmt := &gorm.Statement{DB: s.db}
	if err := stmt.Parse(&Endpoint{}); err != nil {
		return fmt.Errorf("endpoint table name: %w", err)
	}
	table := stmt.Schema.Table
	hook := func(db *gorm.DB) {
		if db.Statement.Table == table {
			changed()
		}
	}
	name := fmt.Sprintf("loadhook:endpoint_write_%d", endpointWriteHooks.Add(1))
	cb := s.db.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register(name, hook),
		cb.Update().After("gorm:update").Register(name, hook),
		cb.Delete().After("gorm:delete").Register(name, hook),
	} {
		if err != nil {
			return fmt.Errorf("watch endpoint writes: %w", err)
		}
	}
	return nil
}
