package awstest

import (
	"bytes"
	"crypto/md5"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"hash/crc32"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

type object struct {
	data        []byte
	etag        string
	contentType string
	modified    time.Time
}

type bucket struct {
	created time.Time
	objects map[string]object
}

// CreateBucket creates an empty bucket, as the S3 CreateBucket operation
// would, without sending a request. It keeps an existing bucket as it is.
func (s *Server) CreateBucket(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.createBucket(name)
}

// createBucket reports whether it created the bucket. The caller holds s.mu.
func (s *Server) createBucket(name string) bool {
	if _, ok := s.buckets[name]; ok {
		return false
	}
	s.buckets[name] = &bucket{created: s.clock().UTC().Truncate(time.Millisecond), objects: make(map[string]object)}
	return true
}

// s3Path splits a path-style request path into bucket and key.
func s3Path(r *http.Request) (bucket, key string) {
	bucket, key, _ = strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	return bucket, key
}

// s3Operation names the operation of a path-style request from its method
// and path, or returns "" when the query asks for another one: a
// subresource such as ?acl or ?list-type=2, or an x-id that names another
// operation.
func s3Operation(r *http.Request) string {
	op := s3Route(r)
	if op == "" {
		return ""
	}
	for k, v := range r.URL.Query() {
		switch {
		case k == "x-id" && len(v) == 1 && v[0] == op:
		case strings.HasPrefix(strings.ToLower(k), "x-amz-"): // a presigned URL's signature
		case op == "ListBuckets" && (k == "prefix" || k == "max-buckets" || k == "continuation-token" || k == "bucket-region"):
		default:
			return ""
		}
	}
	return op
}

func s3Route(r *http.Request) string {
	bucket, key := s3Path(r)
	switch {
	case bucket == "" && r.Method == http.MethodGet:
		return "ListBuckets"
	case bucket == "":
		return ""
	case key == "":
		return map[string]string{http.MethodPut: "CreateBucket", http.MethodHead: "HeadBucket"}[r.Method]
	}
	return map[string]string{
		http.MethodGet:    "GetObject",
		http.MethodPut:    "PutObject",
		http.MethodHead:   "HeadObject",
		http.MethodDelete: "DeleteObject",
	}[r.Method]
}

func (s *Server) serveS3(r *http.Request, body []byte) response {
	bucket, key := s3Path(r)
	op := s3Operation(r)
	if op == "PutObject" {
		data, err := s3Payload(r, body)
		if err != nil {
			return s3Error(*err, "")
		}
		body = data
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	switch op {
	case "":
		return s3Error(apiError{"NotImplemented", 501, unknownOperation("s3") + " (path-style), and presigned GetObject and PutObject URLs"}, "")
	case "ListBuckets":
		return s.listBuckets(r.URL.Query())
	case "CreateBucket":
		if !s.createBucket(bucket) {
			return s3Error(apiError{"BucketAlreadyOwnedByYou", 409, "Your previous request to create the named bucket succeeded and you already own it."}, xmlElem("BucketName", bucket))
		}
		return response{status: 200, header: http.Header{"Location": {"/" + bucket}}}
	}
	b, ok := s.buckets[bucket]
	if !ok {
		return s3Error(apiError{"NoSuchBucket", 404, "The specified bucket does not exist"}, xmlElem("BucketName", bucket))
	}
	objects := b.objects

	switch op {
	case "HeadBucket":
		return response{status: 200, header: http.Header{"X-Amz-Bucket-Region": {Region}}}
	case "PutObject":
		sum := md5.Sum(body)
		o := object{
			data:        body,
			etag:        `"` + hex.EncodeToString(sum[:]) + `"`,
			contentType: r.Header.Get("Content-Type"),
			modified:    s.clock().UTC().Truncate(time.Second),
		}
		objects[key] = o
		return response{status: 200, header: http.Header{"Etag": {o.etag}}}
	case "DeleteObject":
		delete(objects, key)
		return response{status: 204}
	}

	o, ok := objects[key]
	if !ok {
		return s3Error(apiError{"NoSuchKey", 404, "The specified key does not exist."}, xmlElem("Key", key))
	}
	h := http.Header{
		"Content-Length": {strconv.Itoa(len(o.data))},
		"Etag":           {o.etag},
		"Last-Modified":  {o.modified.Format(http.TimeFormat)},
		"Accept-Ranges":  {"bytes"},
	}
	if o.contentType != "" {
		h.Set("Content-Type", o.contentType)
	}
	// Lets the client's response checksum validation run against a
	// checksum it did not compute itself.
	if strings.EqualFold(r.Header.Get("X-Amz-Checksum-Mode"), "ENABLED") {
		h.Set("X-Amz-Checksum-Crc32", crc32Base64(crc32.IEEETable, o.data))
		h.Set("X-Amz-Checksum-Type", "FULL_OBJECT")
	}
	return response{status: 200, header: h, body: o.data}
}

// ownerID is the canonical user ID of the account that owns every bucket,
// shaped like S3's.
const ownerID = "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"

// listBuckets answers ListBuckets with S3's ListAllMyBucketsResult, in
// name order. It honours prefix and bucket-region, and pages by max-buckets
// with the last name of a page as its continuation token.
func (s *Server) listBuckets(q url.Values) response {
	limit := 10000
	if v := q.Get("max-buckets"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10000 {
			return s3Error(apiError{"InvalidArgument", 400, "Argument max-buckets must be an integer between 1 and 10000."}, "")
		}
		limit = n
	}
	prefix, after := q.Get("prefix"), q.Get("continuation-token")
	var names []string
	if region := q.Get("bucket-region"); region == "" || region == Region {
		for _, name := range slices.Sorted(maps.Keys(s.buckets)) {
			if strings.HasPrefix(name, prefix) && name > after {
				names = append(names, name)
			}
		}
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`)
	b.WriteString("<Owner>" + xmlElem("ID", ownerID) + "</Owner><Buckets>")
	for _, name := range names[:min(limit, len(names))] {
		b.WriteString("<Bucket>" + xmlElem("Name", name) +
			xmlElem("CreationDate", s.buckets[name].created.Format("2006-01-02T15:04:05.000Z")) +
			xmlElem("BucketRegion", Region) + "</Bucket>")
	}
	b.WriteString("</Buckets>")
	if len(names) > limit {
		b.WriteString(xmlElem("ContinuationToken", names[limit-1]))
	}
	if q.Has("prefix") {
		b.WriteString(xmlElem("Prefix", prefix))
	}
	b.WriteString("</ListAllMyBucketsResult>")
	id, hostID := s3RequestID()
	return response{
		status: 200,
		header: http.Header{"Content-Type": {"application/xml"}, "X-Amz-Request-Id": {id}, "X-Amz-Id-2": {hostID}},
		body:   []byte(b.String()),
	}
}

// s3Payload returns the object bytes of a PutObject body, checking them
// against the payload hash and checksums the client declared, as S3 does.
// A mismatch usually means the client sent a body other than the one it
// signed, e.g. a replay that did not rewind the stream.
func s3Payload(r *http.Request, body []byte) ([]byte, *apiError) {
	data, trailers := body, http.Header{}
	switch sha := r.Header.Get("X-Amz-Content-Sha256"); {
	case sha == "STREAMING-UNSIGNED-PAYLOAD-TRAILER":
		var ok bool
		data, trailers, ok = decodeAWSChunked(body)
		n, err := strconv.Atoi(r.Header.Get("X-Amz-Decoded-Content-Length"))
		if !ok || err != nil || n != len(data) {
			return nil, &apiError{"IncompleteBody", 400, "The request body terminated unexpectedly"}
		}
	case strings.HasPrefix(sha, "STREAMING-"):
		return nil, &apiError{"NotImplemented", 501, "awstest does not support payload signing mode " + sha}
	case sha == "UNSIGNED-PAYLOAD" || sha == "":
	case sha != sha256Hex(body):
		return nil, &apiError{"XAmzContentSHA256Mismatch", 400, "The provided 'x-amz-content-sha256' header does not match what was computed."}
	}

	checksums := map[string]*crc32.Table{
		"X-Amz-Checksum-Crc32":  crc32.IEEETable,
		"X-Amz-Checksum-Crc32c": crc32.MakeTable(crc32.Castagnoli),
	}
	for name, table := range checksums {
		want := r.Header.Get(name)
		if want == "" {
			want = trailers.Get(name)
		}
		if want != "" && want != crc32Base64(table, data) {
			return nil, &apiError{"BadDigest", 400, "The " + strings.TrimPrefix(name, "X-Amz-Checksum-") + " you specified did not match the calculated checksum."}
		}
	}
	return data, nil
}

// decodeAWSChunked decodes the aws-chunked content encoding:
//
//	<hex size>[;ext]\r\n<data>\r\n ... 0\r\n<trailer>:<value>\r\n ... \r\n
func decodeAWSChunked(b []byte) (data []byte, trailers http.Header, ok bool) {
	trailers = http.Header{}
	for {
		line, rest, found := bytes.Cut(b, []byte("\r\n"))
		if !found {
			return nil, nil, false
		}
		sizeHex, _, _ := bytes.Cut(line, []byte(";"))
		size, err := strconv.ParseUint(string(sizeHex), 16, 31)
		if err != nil || uint64(len(rest)) < size+2 {
			return nil, nil, false
		}
		if size == 0 {
			b = rest
			break
		}
		if string(rest[size:size+2]) != "\r\n" {
			return nil, nil, false
		}
		data = append(data, rest[:size]...)
		b = rest[size+2:]
	}
	for {
		line, rest, found := bytes.Cut(b, []byte("\r\n"))
		if !found {
			return nil, nil, false
		}
		if len(line) == 0 {
			return data, trailers, len(rest) == 0
		}
		k, v, _ := strings.Cut(string(line), ":")
		trailers.Add(strings.TrimSpace(k), strings.TrimSpace(v))
		b = rest
	}
}

func crc32Base64(table *crc32.Table, b []byte) string {
	return base64.StdEncoding.EncodeToString(binary.BigEndian.AppendUint32(nil, crc32.Checksum(b, table)))
}
