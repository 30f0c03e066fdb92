package ledger

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// entity is how a [Record] is stored. The @odata.type fields give the
// service the types JSON cannot carry.
type entity struct {
	PartitionKey   string
	RowKey         string
	State          State
	EntityID       int64  `json:",string"`
	EntityIDType   string `json:"EntityID@odata.type"`
	Title          string
	Owner          string
	LeaseUntil     time.Time
	LeaseUntilType string `json:"LeaseUntil@odata.type"`
	Attempted      bool
	Key            string
	Updated        time.Time
	UpdatedType    string `json:"Updated@odata.type"`
}

const (
	edmInt64    = "Edm.Int64"
	edmDateTime = "Edm.DateTime"
)

// newEntity returns the entity that stores r.
func newEntity(r Record) entity {
	return entity{
		PartitionKey:   partitionKey(r.Key),
		RowKey:         rowKey,
		State:          r.State,
		EntityID:       int64(r.EntityID),
		EntityIDType:   edmInt64,
		Title:          truncate(r.Title, maxText),
		Owner:          r.Owner,
		LeaseUntil:     r.LeaseUntil,
		LeaseUntilType: edmDateTime,
		Attempted:      r.Attempted,
		Key:            truncate(r.Key, maxText),
		Updated:        r.Updated,
		UpdatedType:    edmDateTime,
	}
}

// record returns the record e stores for key, whose ETag is etag. The key
// is the caller's, as e holds only its first characters.
func (e entity) record(key, etag string) Record {
	return Record{
		Key:        key,
		State:      e.State,
		EntityID:   int(e.EntityID),
		Title:      e.Title,
		Owner:      e.Owner,
		LeaseUntil: e.LeaseUntil,
		Attempted:  e.Attempted,
		Updated:    e.Updated,
		version:    etag,
	}
}

// partitionKey returns the PartitionKey of key's entity.
func partitionKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:])
}

// stamp returns r with its times as the table stores them: in UTC, to the
// millisecond.
func stamp(r Record) Record {
	r.LeaseUntil = r.LeaseUntil.UTC().Truncate(time.Millisecond)
	r.Updated = r.Updated.UTC().Truncate(time.Millisecond)
	return r
}

// sameWrite reports whether the stored record a is the write b.
func sameWrite(a, b Record) bool {
	return a.State == b.State && a.EntityID == b.EntityID && a.Owner == b.Owner &&
		a.Attempted == b.Attempted && a.LeaseUntil.Equal(b.LeaseUntil) &&
		a.Updated.Equal(b.Updated)
}

// lostRace reports whether a conditional write failed because the entity
// changed (412) or went away (404) since it was read.
func lostRace(err error) bool {
	code, _ := status(err)
	return code == http.StatusPreconditionFailed || code == http.StatusNotFound
}

// status returns the HTTP status and error code of a failed request, or
// zero values if err did not come from the service.
func status(err error) (int, string) {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode, re.ErrorCode
	}
	return 0, ""
}
