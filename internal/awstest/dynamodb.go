package awstest

import (
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strings"
)

type table struct {
	keyAttrs  []string
	keySchema json.RawMessage           // as the creator sent it, echoed in TableDescription
	items     map[string]map[string]any // canonical key JSON -> item
}

// CreateTable creates an empty DynamoDB table whose primary key is made of
// keyAttrs (partition key first), as the CreateTable operation would,
// without sending a request. It keeps an existing table as it is.
func (s *Server) CreateTable(name string, keyAttrs ...string) {
	var schema []map[string]string
	for i, a := range keyAttrs {
		kind := "HASH"
		if i > 0 {
			kind = "RANGE"
		}
		schema = append(schema, map[string]string{"AttributeName": a, "KeyType": kind})
	}
	raw, _ := json.Marshal(schema)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.tables[name]; !ok {
		s.tables[name] = &table{keyAttrs: slices.Clone(keyAttrs), keySchema: raw, items: make(map[string]map[string]any)}
	}
}

func dynamoDBOperation(r *http.Request) string {
	op, _ := strings.CutPrefix(r.Header.Get("X-Amz-Target"), "DynamoDB_20120810.")
	return op
}

// dynamoDBRequest is the union of the request fields the emulated
// operations read.
type dynamoDBRequest struct {
	TableName string
	KeySchema json.RawMessage
	Key       map[string]any
	Item      map[string]any
}

var (
	errNoTable   = apiError{"ResourceNotFoundException", 400, "Requested resource not found"}
	errBadKey    = apiError{"ValidationException", 400, "The provided key element does not match the schema"}
	errNoOp      = apiError{"UnknownOperationException", 400, unknownOperation("dynamodb")}
	errBadSchema = apiError{"ValidationException", 400, "1 validation error detected: Value null at 'keySchema' failed to satisfy constraint: Member must not be null"}
)

// serveDynamoDB answers the awsJson1.0 protocol from an in-memory store.
// Tables must exist (CreateTable, or [Server.CreateTable]) before items go
// in, as in DynamoDB.
func (s *Server) serveDynamoDB(r *http.Request, body []byte) response {
	var in dynamoDBRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return jsonError(apiError{"SerializationException", 400, "Start of structure or map found where not expected."})
	}
	op := dynamoDBOperation(r)

	s.mu.Lock()
	defer s.mu.Unlock()
	if op == "ListTables" {
		names := slices.Sorted(maps.Keys(s.tables))
		return jsonOK(map[string]any{"TableNames": names})
	}
	if op == "CreateTable" {
		return s.createTable(in)
	}
	if op != "GetItem" && op != "PutItem" {
		return jsonError(errNoOp)
	}

	t, ok := s.tables[in.TableName]
	if !ok {
		return jsonError(errNoTable)
	}
	if op == "PutItem" {
		k, ok := t.key(in.Item, false)
		if !ok {
			return jsonError(errBadKey)
		}
		t.items[k] = in.Item
		return jsonOK(map[string]any{})
	}
	k, ok := t.key(in.Key, true)
	if !ok {
		return jsonError(errBadKey)
	}
	if item, ok := t.items[k]; ok {
		return jsonOK(map[string]any{"Item": item})
	}
	return jsonOK(map[string]any{})
}

func (s *Server) createTable(in dynamoDBRequest) response {
	var schema []struct{ AttributeName string }
	if err := json.Unmarshal(in.KeySchema, &schema); err != nil || len(schema) == 0 || in.TableName == "" {
		return jsonError(errBadSchema)
	}
	if _, ok := s.tables[in.TableName]; ok {
		return jsonError(apiError{"ResourceInUseException", 400, "Table already exists: " + in.TableName})
	}
	t := &table{keySchema: in.KeySchema, items: make(map[string]map[string]any)}
	for _, a := range schema {
		t.keyAttrs = append(t.keyAttrs, a.AttributeName)
	}
	s.tables[in.TableName] = t
	return jsonOK(map[string]any{"TableDescription": map[string]any{
		"TableName":   in.TableName,
		"TableArn":    "arn:aws:dynamodb:" + Region + ":" + AccountID + ":table/" + in.TableName,
		"TableStatus": "ACTIVE",
		"KeySchema":   t.keySchema,
		"ItemCount":   0,
	}})
}

// key projects attrs onto the table's key attributes and returns them as
// JSON, which encoding/json makes canonical by sorting map keys. With exact
// set, attrs must hold nothing but the key, as GetItem's Key must.
func (t *table) key(attrs map[string]any, exact bool) (string, bool) {
	if exact && len(attrs) != len(t.keyAttrs) {
		return "", false
	}
	k := make(map[string]any, len(t.keyAttrs))
	for _, a := range t.keyAttrs {
		v, ok := attrs[a]
		if !ok {
			return "", false
		}
		k[a] = v
	}
	b, err := json.Marshal(k)
	return string(b), err == nil
}

func jsonOK(v any) response {
	b, _ := json.Marshal(v)
	return jsonResponse(http.StatusOK, b)
}
