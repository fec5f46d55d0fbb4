package webhook

import (
	"fmt"
	"time"

	"github.com/loadhook/loadhook/catalog"
)

// SamplePayload is the payload bytes a test event of eventType sent at now
// would carry, with this server's source and base URL: what the event
// catalog page shows.
func (s *Service) SamplePayload(eventType string, now time.Time) ([]byte, error) {
	in, err := catalog.SampleEvent(eventType, s.cfg.BaseURL, now)
	if err != nil {
		return nil, err
	}
	body, err := catalog.BuildPayload(s.cfg.Source, in)
	if err != nil {
		return nil, fmt.Errorf("sample payload of %s: %w", eventType, err)
	}
	return body, nil
}
