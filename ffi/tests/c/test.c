/*
 * The C interface from C: the agreed signature vectors, the Python SDK's
 * UploadPartCopy capture byte for byte, the other request builders, COS's
 * answers fed a byte at a time, a whole copy over canned answers, and every
 * refusal of bad arguments (NULL, impossible lengths, invalid UTF-8,
 * misaligned and uninitialised storage).
 *
 * Built by .ci/ffi with gcc -std=c99 -Wall -Wextra -Werror -pedantic and
 * -fsanitize=address,undefined; test_data.h is generated from tests/data by
 * gen_data.py. Exit status 0 when every check passed.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "tencent_cos_core.h"
#include "test_data.h"

/* The published sizes are those of the types (C's view of the table). */
typedef char key_size_ok[sizeof(tcc_signing_key) == TCC_SIGNING_KEY_SIZE ? 1 : -1];
typedef char reader_size_ok[sizeof(tcc_response_reader) == TCC_RESPONSE_READER_SIZE ? 1 : -1];
typedef char machine_size_ok[sizeof(tcc_copy_machine) == TCC_COPY_MACHINE_SIZE ? 1 : -1];
typedef char slot_size_ok[sizeof(tcc_part_slot) == TCC_PART_SLOT_SIZE ? 1 : -1];
typedef char pair_slot_size_ok[sizeof(tcc_pair_slot) == TCC_PAIR_SLOT_SIZE ? 1 : -1];
struct pair_slot_align { char c; tcc_pair_slot s; };
typedef char pair_slot_align_ok[offsetof(struct pair_slot_align, s) >= TCC_PAIR_SLOT_ALIGN ? 1 : -1];
struct key_align { char c; tcc_signing_key k; };
struct reader_align { char c; tcc_response_reader r; };
struct machine_align { char c; tcc_copy_machine m; };
typedef char key_align_ok[offsetof(struct key_align, k) >= TCC_SIGNING_KEY_ALIGN ? 1 : -1];
typedef char reader_align_ok[offsetof(struct reader_align, r) >= TCC_RESPONSE_READER_ALIGN ? 1 : -1];
typedef char machine_align_ok[offsetof(struct machine_align, m) >= TCC_COPY_MACHINE_ALIGN ? 1 : -1];

static int checks;
static int failures;

static void check(int ok, const char *what, const char *file, int line)
{
    checks++;
    if (!ok) {
        failures++;
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
}

static void check_status(tcc_status got, tcc_status want, const char *call, const char *file,
                         int line)
{
    checks++;
    if (got != want) {
        failures++;
        fprintf(stderr, "%s:%d: %s\n    returned %d (%s), expected %d (%s)\n", file, line, call,
                (int)got, tcc_strerror((int)got), (int)want, tcc_strerror((int)want));
    }
}

#define CHECK(cond) check((cond) != 0, #cond, __FILE__, __LINE__)
#define CHECK_STATUS(call, want) check_status((call), (want), #call, __FILE__, __LINE__)

/* Whether `len` bytes at `p` are the text of `s`. */
static int same(const void *p, size_t len, tcc_str s)
{
    return len == s.len && (len == 0 || memcmp(p, s.ptr, len) == 0);
}

/* Whether `len` bytes at `p` start with the NUL-terminated `prefix`. */
static int starts_with(const char *p, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && memcmp(p, prefix, n) == 0;
}

/* Whether `needle` occurs in the `len` bytes at `p`. */
static int contains(const char *p, size_t len, const char *needle)
{
    size_t n = strlen(needle), i;
    for (i = 0; i + n <= len; i++) {
        if (memcmp(p + i, needle, n) == 0) {
            return 1;
        }
    }
    return 0;
}

static tcc_credentials credentials(tcc_str id, tcc_str secret)
{
    tcc_credentials c;
    c.secret_id = id;
    c.secret_key = secret;
    c.security_token.ptr = NULL;
    c.security_token.len = 0;
    return c;
}

/* SignKey, StringToSign, Authorization (exact size, size query, one byte
 * short), and verification back (in the window, expired, tampered). */
static void test_vectors(void)
{
    char out[1024];
    size_t needed, i;
    tcc_signing_key key;
    for (i = 0; i < VECTOR_COUNT; i++) {
        const test_vector *v = &VECTORS[i];
        tcc_credentials c = credentials(v->secret_id, v->secret_key);
        tcc_request r = vector_request(v);
        uint64_t mid = v->start + (v->end - v->start) / 2;
        int before = failures;

        CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_OK);
        CHECK_STATUS(tcc_signing_key_sign_key(&key, out, sizeof out, &needed), TCC_OK);
        CHECK(same(out, needed, v->sign_key));
        CHECK_STATUS(tcc_string_to_sign(&r, TCC_SELECTION_EXACT, v->start, v->end, out, sizeof out,
                                        &needed),
                     TCC_OK);
        CHECK(same(out, needed, v->string_to_sign));

        needed = 0;
        CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, NULL, 0, &needed),
                     TCC_ERR_BUFFER_TOO_SMALL);
        CHECK(needed == v->authorization.len);
        CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out,
                                            v->authorization.len - 1, &needed),
                     TCC_ERR_BUFFER_TOO_SMALL);
        CHECK(needed == v->authorization.len);
        CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out,
                                            v->authorization.len, &needed),
                     TCC_OK);
        CHECK(same(out, needed, v->authorization));

        CHECK_STATUS(tcc_verify_authorization(v->authorization, &r, v->secret_key, mid,
                                              TCC_POLICY_COS),
                     TCC_OK);
        CHECK_STATUS(tcc_verify_authorization(v->authorization, &r, v->secret_key, v->end + 1,
                                              TCC_POLICY_COS),
                     TCC_ERR_EXPIRED);
        memcpy(out, v->authorization.ptr, v->authorization.len);
        out[v->authorization.len - 1] = out[v->authorization.len - 1] == '0' ? '1' : '0';
        {
            tcc_str tampered;
            tampered.ptr = out;
            tampered.len = v->authorization.len;
            CHECK_STATUS(tcc_verify_authorization(tampered, &r, v->secret_key, mid,
                                                  TCC_POLICY_COS),
                         TCC_ERR_SIGNATURE_MISMATCH);
        }
        if (failures != before) {
            fprintf(stderr, "    in vector %s\n", v->name);
        }
    }
}

/* The UploadPartCopy capture's key. */
static void upc_key(tcc_signing_key *key)
{
    tcc_credentials c = credentials(VECTORS[0].secret_id, VECTORS[0].secret_key);
    CHECK_STATUS(tcc_signing_key_init(key, &c, UPC_START, UPC_END), TCC_OK);
}

static tcc_host bucket_host(void)
{
    tcc_host h;
    h.bucket = TCC_STR("examplebucket-1250000000");
    h.region = TCC_STR("ap-guangzhou");
    h.endpoint.ptr = NULL;
    h.endpoint.len = 0;
    return h;
}

static void test_requests(void)
{
    tcc_signing_key key;
    tcc_upload_part_copy u = upc_request();
    uint8_t scratch[1024];
    char out[2048];
    size_t needed = 0, scratch_needed = 0, head_len = 0;
    upc_key(&key);

    CHECK_STATUS(tcc_upload_part_copy_head(&key, &u, scratch, sizeof scratch, out, sizeof out,
                                           &needed),
                 TCC_OK);
    CHECK(same(out, needed, UPC_HEAD));
    /* Exact buffers work; a byte less of either is refused with the size. */
    CHECK_STATUS(tcc_upload_part_copy_head(&key, &u, scratch, 16, out, sizeof out,
                                           &scratch_needed),
                 TCC_ERR_SCRATCH_TOO_SMALL);
    CHECK(scratch_needed > 16 && scratch_needed < sizeof scratch);
    CHECK_STATUS(tcc_upload_part_copy_head(&key, &u, scratch, scratch_needed - 1, out,
                                           sizeof out, &needed),
                 TCC_ERR_SCRATCH_TOO_SMALL);
    CHECK(needed == scratch_needed);
    CHECK_STATUS(tcc_upload_part_copy_head(&key, &u, scratch, scratch_needed, out,
                                           UPC_HEAD.len - 1, &needed),
                 TCC_ERR_BUFFER_TOO_SMALL);
    CHECK(needed == UPC_HEAD.len);
    CHECK_STATUS(tcc_upload_part_copy_head(&key, &u, scratch, scratch_needed, out, UPC_HEAD.len,
                                           &needed),
                 TCC_OK);
    CHECK(same(out, needed, UPC_HEAD));
    /* Conditions COS does not take together. */
    u.if_modified_since = 1700000000u;
    CHECK_STATUS(tcc_upload_part_copy_head(&key, &u, scratch, sizeof scratch, out, sizeof out,
                                           &needed),
                 TCC_ERR_CONDITION);
    u = upc_request();
    u.part_number = 0;
    CHECK_STATUS(tcc_upload_part_copy_head(&key, &u, scratch, sizeof scratch, out, sizeof out,
                                           &needed),
                 TCC_ERR_PART_NUMBER);
    u = upc_request();
    u.range_first = 10;
    u.range_last = 9;
    CHECK_STATUS(tcc_upload_part_copy_head(&key, &u, scratch, sizeof scratch, out, sizeof out,
                                           &needed),
                 TCC_ERR_RANGE);

    {
        tcc_initiate i;
        memset(&i, 0, sizeof i);
        i.host = bucket_host();
        i.key = TCC_STR("dest/big-file.bin");
        CHECK_STATUS(tcc_initiate_head(&key, &i, scratch, sizeof scratch, out, sizeof out,
                                       &needed),
                     TCC_OK);
        CHECK(starts_with(out, needed, "POST /dest/big-file.bin?uploads HTTP/1.1\r\n"));
        CHECK(contains(out, needed, "\r\nContent-Length: 0\r\n"));
        CHECK(contains(out, needed, "&q-url-param-list=uploads&"));
    }
    {
        tcc_abort a;
        a.host = bucket_host();
        a.key = TCC_STR("dest/big-file.bin");
        a.upload_id = UPC_UPLOAD_ID;
        CHECK_STATUS(tcc_abort_head(&key, &a, scratch, sizeof scratch, out, sizeof out, &needed),
                     TCC_OK);
        CHECK(starts_with(out, needed, "DELETE /dest/big-file.bin?uploadId=1585130821cbb7df"));
        CHECK(out[needed - 1] == '\n' && out[needed - 3] == '\n');
    }
    {
        static const char body[] =
            "<CompleteMultipartUpload>"
            "<Part><PartNumber>1</PartNumber><ETag>\"39270a968a357d24207e9911162507eb\"</ETag></Part>"
            "<Part><PartNumber>2</PartNumber><ETag>\"d899fbd1e06109ea2e4550f5751c88d6\"</ETag></Part>"
            "</CompleteMultipartUpload>";
        tcc_part parts[2];
        tcc_complete c;
        char length[32];
        parts[0].number = 1;
        parts[0].etag = TCC_STR("\"39270a968a357d24207e9911162507eb\"");
        parts[1].number = 2;
        parts[1].etag = TCC_STR("\"d899fbd1e06109ea2e4550f5751c88d6\"");
        memset(&c, 0, sizeof c);
        c.host = bucket_host();
        c.key = TCC_STR("dest/big-file.bin");
        c.upload_id = UPC_UPLOAD_ID;
        c.parts = parts;
        c.parts_len = 2;
        CHECK_STATUS(tcc_complete_request(&key, &c, scratch, sizeof scratch, out, sizeof out,
                                          &needed, &head_len),
                     TCC_OK);
        CHECK(starts_with(out, head_len, "POST /dest/big-file.bin?uploadId=1585130821cbb7df"));
        sprintf(length, "\r\nContent-Length: %u\r\n", (unsigned)(sizeof body - 1));
        CHECK(contains(out, head_len, length));
        CHECK(contains(out, head_len, "\r\nContent-Type: application/xml\r\n"));
        CHECK(needed == head_len + sizeof body - 1);
        CHECK(memcmp(out + head_len, body, sizeof body - 1) == 0);
        CHECK_STATUS(tcc_complete_request(&key, &c, scratch, sizeof scratch, out, needed - 1,
                                          &needed, NULL),
                     TCC_ERR_BUFFER_TOO_SMALL);
        CHECK(needed == head_len + sizeof body - 1);
        parts[1].number = 1;
        CHECK_STATUS(tcc_complete_request(&key, &c, scratch, sizeof scratch, out, sizeof out,
                                          &needed, NULL),
                     TCC_ERR_PART_ORDER);
        c.parts_len = 0;
        CHECK_STATUS(tcc_complete_request(&key, &c, scratch, sizeof scratch, out, sizeof out,
                                          &needed, NULL),
                     TCC_ERR_NO_PARTS);
    }
}

/* A presigned query, and verification of the URL's request against it. */
static void test_presigned(void)
{
    tcc_signing_key key;
    const test_vector *v = &VECTORS[0];
    tcc_request r = vector_request(v);
    char query[1024];
    uint8_t scratch[512];
    size_t needed, scratch_needed;
    tcc_str q;
    tcc_credentials c = credentials(v->secret_id, v->secret_key);
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_OK);
    CHECK_STATUS(tcc_sign_presigned_query(&key, &r, TCC_SELECTION_EXACT, query, sizeof query,
                                          &needed),
                 TCC_OK);
    CHECK(starts_with(query, needed, "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"
                                     "&q-sign-time="));
    q.ptr = query;
    q.len = needed;
    CHECK_STATUS(tcc_verify_presigned(q, scratch, sizeof scratch, NULL, &r, v->secret_key,
                                      v->start + 1, TCC_POLICY_COS),
                 TCC_OK);
    CHECK_STATUS(tcc_verify_presigned(q, scratch, 8, &scratch_needed, &r, v->secret_key,
                                      v->start + 1, TCC_POLICY_COS),
                 TCC_ERR_SCRATCH_TOO_SMALL);
    CHECK_STATUS(tcc_verify_presigned(q, scratch, scratch_needed, NULL, &r, v->secret_key,
                                      v->start + 1, TCC_POLICY_COS),
                 TCC_OK);
    CHECK_STATUS(tcc_verify_presigned(q, scratch, sizeof scratch, NULL, &r, v->secret_key,
                                      v->start - 1, TCC_POLICY_COS),
                 TCC_ERR_NOT_YET_VALID);
    CHECK_STATUS(tcc_verify_presigned(q, scratch, sizeof scratch, NULL, &r,
                                      TCC_STR("not the key"), v->start + 1, TCC_POLICY_COS),
                 TCC_ERR_SIGNATURE_MISMATCH);
}

static tcc_response_reader readers[3];

/* Reads `body` into `reader` in pieces of `step` bytes. */
static tcc_status read_body(tcc_response_reader *reader, tcc_str body, size_t step)
{
    size_t at;
    tcc_status s = tcc_response_reader_init(reader);
    for (at = 0; s == TCC_OK && at < body.len; at += step) {
        size_t n = body.len - at < step ? body.len - at : step;
        s = tcc_response_reader_feed(reader, (const uint8_t *)body.ptr + at, n);
    }
    return s == TCC_OK ? tcc_response_reader_finish(reader) : s;
}

/* A body whose value between `before` and `after` is 300 bytes of `fill`
 * (longer than TCC_VALUE_CAPACITY). */
static tcc_str long_value(const char *before, char fill, const char *after)
{
    static char body[512];
    tcc_str b;
    size_t n = (size_t)sprintf(body, "%s", before), i;
    for (i = 0; i < 300; i++) {
        body[n++] = fill;
    }
    n += (size_t)sprintf(body + n, "%s", after);
    b.ptr = body;
    b.len = n;
    return b;
}

static void test_responses(void)
{
    tcc_response_reader *reader = &readers[0];
    tcc_document d;
    tcc_outcome o;

    /* A CopyPartResult fed one byte at a time. */
    CHECK_STATUS(read_body(reader, COPY_PART_XML, 1), TCC_OK);
    CHECK_STATUS(tcc_response_document(reader, &d), TCC_OK);
    CHECK(d.kind == TCC_DOCUMENT_COPY_PART_RESULT);
    CHECK(same(d.etag.ptr, d.etag.len, COPY_PART_ETAG));
    CHECK(same(d.last_modified.ptr, d.last_modified.len, COPY_PART_LAST_MODIFIED));
    CHECK(d.present == (TCC_FIELD_ETAG | TCC_FIELD_LAST_MODIFIED) && d.cut == 0);
    CHECK(d.code.ptr == NULL && d.code.len == 0);
    CHECK_STATUS(tcc_response_outcome(reader, 200, TCC_DOCUMENT_COPY_PART_RESULT, &o), TCC_OK);
    CHECK(o.kind == TCC_OUTCOME_SUCCESS && o.retryable == 0 && o.code == TCC_COS_NONE);
    CHECK_STATUS(tcc_response_outcome(reader, 200, TCC_DOCUMENT_INITIATE_RESULT, &o), TCC_OK);
    CHECK(o.kind == TCC_OUTCOME_UNEXPECTED_DOCUMENT && o.retryable == 0);
    CHECK(o.document == TCC_DOCUMENT_COPY_PART_RESULT);
    CHECK_STATUS(tcc_response_outcome(reader, 200, TCC_DOCUMENT_ERROR, &o), TCC_ERR_ARGUMENT);

    /* SignatureDoesNotMatch, a byte at a time too. */
    CHECK_STATUS(read_body(reader, SIGNATURE_XML, 1), TCC_OK);
    CHECK_STATUS(tcc_response_document(reader, &d), TCC_OK);
    CHECK(d.kind == TCC_DOCUMENT_ERROR);
    CHECK(same(d.code.ptr, d.code.len, SIGNATURE_CODE));
    CHECK(same(d.message.ptr, d.message.len, SIGNATURE_MESSAGE));
    CHECK(same(d.resource.ptr, d.resource.len, SIGNATURE_RESOURCE));
    CHECK(same(d.request_id.ptr, d.request_id.len, SIGNATURE_REQUEST_ID));
    CHECK(same(d.trace_id.ptr, d.trace_id.len, SIGNATURE_TRACE_ID));
    CHECK(d.cut == 0 && (d.present & TCC_FIELD_ETAG) == 0);
    CHECK_STATUS(tcc_response_outcome(reader, 403, TCC_DOCUMENT_COPY_PART_RESULT, &o), TCC_OK);
    CHECK(o.kind == TCC_OUTCOME_SERVICE_ERROR && o.status == 403);
    CHECK(o.code == TCC_COS_SIGNATURE_DOES_NOT_MATCH && o.retryable == 0);

    /* An InternalError on a 200 is a retryable error. */
    CHECK_STATUS(read_body(reader, INTERNAL_XML, 16), TCC_OK);
    CHECK_STATUS(tcc_response_outcome(reader, 200, TCC_DOCUMENT_COPY_PART_RESULT, &o), TCC_OK);
    CHECK(o.kind == TCC_OUTCOME_SERVICE_ERROR && o.code == TCC_COS_INTERNAL_ERROR);
    CHECK(o.retryable == 1);

    /* Initiate and Complete (keep-alive spaces first). */
    CHECK_STATUS(read_body(reader, INITIATE_XML, 5), TCC_OK);
    CHECK_STATUS(tcc_response_document(reader, &d), TCC_OK);
    CHECK(same(d.upload_id.ptr, d.upload_id.len, INITIATE_UPLOAD_ID));
    CHECK(same(d.bucket.ptr, d.bucket.len, INITIATE_BUCKET));
    CHECK_STATUS(tcc_response_outcome(reader, 200, TCC_DOCUMENT_INITIATE_RESULT, &o), TCC_OK);
    CHECK(o.kind == TCC_OUTCOME_SUCCESS);
    CHECK_STATUS(read_body(reader, COMPLETE_XML, 3), TCC_OK);
    CHECK_STATUS(tcc_response_document(reader, &d), TCC_OK);
    CHECK(same(d.etag.ptr, d.etag.len, COMPLETE_ETAG));
    CHECK(same(d.location.ptr, d.location.len, COMPLETE_LOCATION));

    /* A long Message is cut and marked; an unknown code is OTHER; a 503
     * is retryable whatever the code. */
    {
        tcc_str b = long_value("<Error><Code>Busy</Code><Message>", 'm', "</Message></Error>");
        CHECK_STATUS(read_body(reader, b, 64), TCC_OK);
        CHECK_STATUS(tcc_response_document(reader, &d), TCC_OK);
        CHECK(d.message.len == TCC_VALUE_CAPACITY && d.cut == TCC_FIELD_MESSAGE);
        CHECK_STATUS(tcc_response_outcome(reader, 503, TCC_DOCUMENT_COPY_PART_RESULT, &o),
                     TCC_OK);
        CHECK(o.code == TCC_COS_OTHER && o.retryable == 1);
    }
    /* An ETag longer than the capacity is an error, never cut. */
    {
        tcc_str b = long_value("<CopyPartResult><ETag>\"", 'e', "\"</ETag></CopyPartResult>");
        CHECK_STATUS(read_body(reader, b, 64), TCC_ERR_VALUE_TOO_LONG);
        /* The error stays: fed again, finished, asked for the document. */
        CHECK_STATUS(tcc_response_reader_feed(reader, (const uint8_t *)"<", 1),
                     TCC_ERR_VALUE_TOO_LONG);
        CHECK_STATUS(tcc_response_document(reader, &d), TCC_ERR_STATE);
        CHECK_STATUS(tcc_response_reader_finish(reader), TCC_ERR_VALUE_TOO_LONG);
        CHECK_STATUS(tcc_response_document(reader, &d), TCC_ERR_VALUE_TOO_LONG);
    }
    /* A body cut short. */
    {
        tcc_str half = COPY_PART_XML;
        half.len /= 2;
        CHECK_STATUS(read_body(reader, half, 1), TCC_ERR_INCOMPLETE);
        CHECK_STATUS(tcc_response_outcome(reader, 200, TCC_DOCUMENT_COPY_PART_RESULT, &o),
                     TCC_ERR_INCOMPLETE);
    }
    {
        tcc_str bad = TCC_STR("<Nope/>");
        CHECK_STATUS(read_body(reader, bad, 1), TCC_ERR_UNKNOWN_ROOT);
        bad = TCC_STR("<Error><Code>a</Cod></Error>");
        CHECK_STATUS(read_body(reader, bad, 4), TCC_ERR_XML);
    }
}

/* A whole copy of 3 parts over canned answers: two parts in flight, the
 * answers given back in reverse order, part 2 answered SlowDown once. */
static void test_copy_machine(void)
{
    static tcc_copy_machine machine;
    static tcc_part_slot slots[3];
    static uint8_t scratch[1024];
    static char out[2048];
    tcc_signing_key key;
    tcc_copy_config config;
    tcc_credentials c = credentials(VECTORS[0].secret_id, VECTORS[0].secret_key);
    uint64_t now_ms = 1700000000000u;
    int polls = 0, part_done = 0, retrying = 0, initiated = 0, slowed = 0, done = 0;
    tcc_copy_outcome outcome;
    tcc_copy_progress progress;

    CHECK_STATUS(tcc_copy_config_init(&config), TCC_OK);
    CHECK(config.max_in_flight == 4 && config.max_attempts == 4);
    config.source.bucket = TCC_STR("sourcebucket-1250000000");
    config.source.region = TCC_STR("ap-guangzhou");
    config.source.key = TCC_STR("big.bin");
    config.destination = bucket_host();
    config.key = TCC_STR("copy.bin");
    config.object_size = 3u << 20;
    config.part_size = 1u << 20;
    config.max_in_flight = 2;
    CHECK_STATUS(tcc_copy_init(&machine, &config, slots, 2), TCC_ERR_PART_STORAGE);
    CHECK_STATUS(tcc_copy_init(&machine, &config, slots, 3), TCC_OK);

    while (!done && polls++ < 100) {
        tcc_job pending[TCC_COPY_MAX_IN_FLIGHT];
        int count = 0;
        tcc_poll p;
        /* Take every job the machine hands out now. */
        for (;;) {
            CHECK_STATUS(tcc_copy_poll(&machine, now_ms, &p), TCC_OK);
            if (p.kind == TCC_POLL_NEED_KEY) {
                uint64_t s = now_ms / 1000;
                CHECK_STATUS(tcc_copy_write_request(&machine, &p.job, scratch, sizeof scratch,
                                                    out, sizeof out, NULL, NULL),
                             TCC_ERR_NOT_IN_FLIGHT);
                CHECK_STATUS(tcc_signing_key_init(&key, &c, s - 60, s + 3600), TCC_OK);
                CHECK_STATUS(tcc_copy_set_key(&machine, &key), TCC_OK);
                continue;
            }
            if (p.kind != TCC_POLL_SEND || count == TCC_COPY_MAX_IN_FLIGHT) {
                break;
            }
            pending[count++] = p.job;
        }
        if (p.kind == TCC_POLL_WAIT) {
            now_ms += p.wait_ms;
        }
        if (p.kind == TCC_POLL_DONE) {
            done = 1;
        }
        /* Send them (write each out) and answer them, last first. */
        while (count > 0) {
            tcc_job job = pending[--count];
            size_t needed = 0, head_len = 0;
            tcc_answer a;
            tcc_notice n;
            tcc_pair headers[2];
            char etag[96];
            CHECK_STATUS(tcc_copy_write_request(&machine, &job, scratch, sizeof scratch, out,
                                                sizeof out, &needed, &head_len),
                         TCC_OK);
            memset(&a, 0, sizeof a);
            a.status = 200;
            if (job.request == TCC_REQUEST_HEAD_SOURCE) {
                CHECK(starts_with(out, head_len, "HEAD /big.bin HTTP/1.1\r\n"));
                headers[0].name = TCC_STR("ETag");
                headers[0].value = TCC_STR("\"5eb63bbbe01eeed093cb22bb8f5acdc3\"");
                headers[1].name = TCC_STR("Content-Length");
                headers[1].value = TCC_STR("3145728");
                a.headers = headers;
                a.headers_len = 2;
            } else if (job.request == TCC_REQUEST_INITIATE) {
                CHECK(starts_with(out, head_len, "POST /copy.bin?uploads HTTP/1.1\r\n"));
                CHECK_STATUS(read_body(&readers[1], INITIATE_XML, 7), TCC_OK);
                a.body = &readers[1];
            } else if (job.request == TCC_REQUEST_PART_COPY) {
                tcc_str e;
                char range[96];
                uint64_t first = (uint64_t)(job.part_number - 1) << 20;
                sprintf(range, "\r\nx-cos-copy-source-range: bytes=%lu-%lu\r\n",
                        (unsigned long)first, (unsigned long)(first + (1u << 20) - 1));
                CHECK(contains(out, head_len, range));
                CHECK(contains(out, head_len,
                               "\r\nx-cos-copy-source-If-Match: "
                               "\"5eb63bbbe01eeed093cb22bb8f5acdc3\"\r\n"));
                CHECK(needed == head_len);
                if (job.part_number == 2 && !slowed) {
                    slowed = 1;
                    e = TCC_STR("<Error><Code>SlowDown</Code></Error>");
                    a.status = 503;
                } else {
                    sprintf(etag, "<CopyPartResult><ETag>\"%032x\"</ETag></CopyPartResult>",
                            (unsigned)job.part_number);
                    e = tcc_str_of(etag);
                }
                CHECK_STATUS(read_body(&readers[2], e, 5), TCC_OK);
                a.body = &readers[2];
            } else if (job.request == TCC_REQUEST_COMPLETE) {
                CHECK(starts_with(out + head_len, needed - head_len,
                                  "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>"
                                  "<ETag>\"00000000000000000000000000000001\"</ETag></Part>"));
                CHECK_STATUS(read_body(&readers[1], COMPLETE_XML, 9), TCC_OK);
                a.body = &readers[1];
            } else {
                CHECK(0 && "an unexpected request");
            }
            CHECK_STATUS(tcc_copy_answer(&machine, &job, now_ms, &a, &n), TCC_OK);
            /* Answered once: a second answer is refused. */
            CHECK_STATUS(tcc_copy_answer(&machine, &job, now_ms, &a, &n), TCC_ERR_NOT_IN_FLIGHT);
            if (n.kind == TCC_NOTICE_PART_DONE) {
                part_done++;
                CHECK(n.bytes == 1u << 20);
            } else if (n.kind == TCC_NOTICE_RETRYING) {
                retrying++;
                CHECK(n.request == TCC_REQUEST_PART_COPY && n.part_number == 2);
                CHECK(n.cause.kind == TCC_CAUSE_SERVICE && n.cause.code == TCC_COS_SLOW_DOWN);
                CHECK(n.cause.status == 503 && n.cause.code_text.len == 8);
            } else if (n.kind == TCC_NOTICE_INITIATED) {
                initiated++;
            }
        }
        now_ms += 10;
    }
    CHECK(done && part_done == 3 && retrying == 1 && initiated == 1);
    CHECK_STATUS(tcc_copy_get_outcome(&machine, &outcome), TCC_OK);
    CHECK(outcome.result == TCC_COPY_COPIED && outcome.end == TCC_END_CONFIRMED_BY_ANSWER);
    CHECK_STATUS(tcc_copy_get_progress(&machine, &progress), TCC_OK);
    CHECK(progress.part_count == 3 && progress.parts_done == 3 && progress.retries == 1);
    CHECK(progress.in_flight == 0 && progress.orphans == 0);
    CHECK(same(progress.upload_id.ptr, progress.upload_id.len, INITIATE_UPLOAD_ID));
}

/* A copy that fails: the source is missing (404 NoSuchKey at its HEAD). */
static void test_copy_failure(void)
{
    static tcc_copy_machine machine;
    static tcc_part_slot slots[1];
    static uint8_t scratch[1024];
    static char out[2048];
    tcc_signing_key key;
    tcc_copy_config config;
    tcc_credentials c = credentials(VECTORS[0].secret_id, VECTORS[0].secret_key);
    tcc_copy_outcome o;
    tcc_poll p;
    tcc_answer a;
    tcc_notice n;
    tcc_job stale;

    CHECK_STATUS(tcc_copy_config_init(&config), TCC_OK);
    config.source.bucket = TCC_STR("sourcebucket-1250000000");
    config.source.region = TCC_STR("ap-guangzhou");
    config.source.key = TCC_STR("gone.bin");
    config.destination = bucket_host();
    config.key = TCC_STR("copy.bin");
    config.object_size = 10;
    config.max_in_flight = 0;
    CHECK_STATUS(tcc_copy_init(&machine, &config, slots, 1), TCC_ERR_ARGUMENT);
    CHECK_STATUS(tcc_copy_poll(&machine, 0, &p), TCC_ERR_NOT_INITIALIZED);
    config.max_in_flight = 1;
    config.object_size = 0;
    CHECK_STATUS(tcc_copy_init(&machine, &config, slots, 1), TCC_ERR_PLAN);
    config.object_size = 10;
    CHECK_STATUS(tcc_copy_init(&machine, &config, slots, 1), TCC_OK);
    CHECK_STATUS(tcc_copy_get_outcome(&machine, &o), TCC_ERR_STATE);
    CHECK_STATUS(tcc_copy_poll(&machine, 1700000000000u, &p), TCC_OK);
    CHECK(p.kind == TCC_POLL_NEED_KEY);
    CHECK_STATUS(tcc_signing_key_init(&key, &c, 1700000000u - 60, 1700003600u), TCC_OK);
    CHECK_STATUS(tcc_copy_set_key(&machine, &key), TCC_OK);
    CHECK_STATUS(tcc_copy_poll(&machine, 1700000000000u, &p), TCC_OK);
    CHECK(p.kind == TCC_POLL_SEND && p.job.request == TCC_REQUEST_HEAD_SOURCE);
    CHECK_STATUS(tcc_copy_write_request(&machine, &p.job, scratch, 8, out, sizeof out, NULL, NULL),
                 TCC_ERR_SCRATCH_TOO_SMALL);
    CHECK_STATUS(tcc_copy_write_request(&machine, &p.job, scratch, sizeof scratch, out, 8, NULL,
                                        NULL),
                 TCC_ERR_BUFFER_TOO_SMALL);
    stale = p.job;
    stale.attempt = 2;
    memset(&a, 0, sizeof a);
    a.status = 404;
    CHECK_STATUS(tcc_copy_answer(&machine, &stale, 0, &a, &n), TCC_ERR_NOT_IN_FLIGHT);
    stale = p.job;
    stale.handle = 200;
    CHECK_STATUS(tcc_copy_answer(&machine, &stale, 0, &a, &n), TCC_ERR_NOT_IN_FLIGHT);
    CHECK_STATUS(read_body(&readers[1], TCC_STR("<Error><Code>NoSuchKey</Code>"
                                                "<RequestId>r-404</RequestId></Error>"),
                           4),
                 TCC_OK);
    a.body = &readers[1];
    CHECK_STATUS(tcc_copy_answer(&machine, &p.job, 1700000000000u, &a, &n), TCC_OK);
    CHECK(n.kind == TCC_NOTICE_FAILED && n.request == TCC_REQUEST_HEAD_SOURCE);
    CHECK_STATUS(tcc_copy_poll(&machine, 1700000000000u, &p), TCC_OK);
    CHECK(p.kind == TCC_POLL_DONE);
    CHECK_STATUS(tcc_copy_get_outcome(&machine, &o), TCC_OK);
    CHECK(o.result == TCC_COPY_FAILED && o.end == TCC_END_ABORT_NOT_NEEDED);
    CHECK(o.request == TCC_REQUEST_HEAD_SOURCE && o.attempts == 1);
    CHECK(o.cause.kind == TCC_CAUSE_SERVICE && o.cause.code == TCC_COS_NO_SUCH_KEY);
    CHECK(o.cause.status == 404 && o.request_id.len == 5 && memcmp(o.request_id.bytes, "r-404", 5) == 0);
}

/* Item 4 of the issue: every refusal of a bad argument. */
static void test_refusals(void)
{
    static union {
        tcc_signing_key key;
        tcc_response_reader reader;
        tcc_copy_machine machine;
        unsigned char bytes[sizeof(tcc_response_reader) + 16];
    } storage;
    tcc_signing_key key, blank;
    tcc_signing_key *misaligned_key = (tcc_signing_key *)(void *)(storage.bytes + 1);
    tcc_response_reader *misaligned_reader = (tcc_response_reader *)(void *)(storage.bytes + 4);
    const test_vector *v = &VECTORS[10];
    tcc_credentials c = credentials(v->secret_id, v->secret_key);
    tcc_request r = vector_request(v);
    char out[1024];
    size_t needed;
    union {
        tcc_pair pairs[3];
        unsigned char bytes[3 * sizeof(tcc_pair) + 1];
    } shifted;
    union {
        size_t n[2];
        unsigned char bytes[2 * sizeof(size_t)];
    } odd_needed;
    tcc_document d;
    const char *unknown = tcc_strerror(12345);

    /* NULL pointers. */
    CHECK_STATUS(tcc_signing_key_init(NULL, &c, 1, 2), TCC_ERR_NULL);
    CHECK_STATUS(tcc_signing_key_init(&key, NULL, 1, 2), TCC_ERR_NULL);
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_OK);
    CHECK_STATUS(tcc_sign_authorization(NULL, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_NULL);
    CHECK_STATUS(tcc_sign_authorization(&key, NULL, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_NULL);
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, NULL, 10, &needed),
                 TCC_ERR_NULL);
    CHECK_STATUS(tcc_response_reader_init(NULL), TCC_ERR_NULL);
    CHECK_STATUS(tcc_response_document(&readers[0], NULL), TCC_ERR_NULL);
    CHECK_STATUS(tcc_copy_get_outcome(NULL, NULL), TCC_ERR_NULL);
    /* `needed` may be NULL. */
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, NULL),
                 TCC_OK);
    /* A NULL string of length 0 is empty; of another length, refused. */
    c.security_token.ptr = NULL;
    c.security_token.len = 0;
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_OK);
    c.security_token.len = 5;
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_ERR_NULL);
    c = credentials(v->secret_id, v->secret_key);
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_OK);
    r.params = NULL;
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_NULL);
    r.params_len = 0;
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_OK);
    r = vector_request(v);
    CHECK_STATUS(tcc_response_reader_init(&readers[0]), TCC_OK);
    CHECK_STATUS(tcc_response_reader_feed(&readers[0], NULL, 0), TCC_OK);
    CHECK_STATUS(tcc_response_reader_feed(&readers[0], NULL, 3), TCC_ERR_NULL);

    /* Impossible lengths. */
    c.secret_id.len = SIZE_MAX;
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_ERR_LENGTH);
    c = credentials(v->secret_id, v->secret_key);
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_OK);
    r.headers_len = SIZE_MAX / 2;
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_LENGTH);
    r = vector_request(v);
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, SIZE_MAX, &needed),
                 TCC_ERR_LENGTH);

    /* Invalid UTF-8. */
    c.secret_key = TCC_STR("BQYIM75p8x0iWVFSIgqEKwFprpRS\377lz");
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_ERR_UTF8);
    c = credentials(v->secret_id, v->secret_key);
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_OK);
    memcpy(shifted.pairs, v->params, 2 * sizeof(tcc_pair));
    shifted.pairs[2].name = TCC_STR("x-cos-meta-bad");
    shifted.pairs[2].value = TCC_STR("\300\200");
    r.params = shifted.pairs;
    r.params_len = 3;
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_UTF8);
    r = vector_request(v);

    /* Misaligned storage, arrays and output places. */
    CHECK_STATUS(tcc_signing_key_init(misaligned_key, &c, v->start, v->end), TCC_ERR_ALIGNMENT);
    CHECK_STATUS(tcc_sign_authorization(misaligned_key, &r, TCC_SELECTION_EXACT, out, sizeof out,
                                        &needed),
                 TCC_ERR_ALIGNMENT);
    CHECK_STATUS(tcc_response_reader_init(misaligned_reader), TCC_ERR_ALIGNMENT);
    CHECK_STATUS(tcc_copy_get_outcome((const tcc_copy_machine *)(const void *)(storage.bytes + 2),
                                      NULL),
                 TCC_ERR_ALIGNMENT);
    memmove(shifted.bytes + 1, v->params, 2 * sizeof(tcc_pair));
    r.params = (const tcc_pair *)(const void *)(shifted.bytes + 1);
    r.params_len = 2;
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_ALIGNMENT);
    r = vector_request(v);
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out,
                                        (size_t *)(void *)(odd_needed.bytes + 1)),
                 TCC_ERR_ALIGNMENT);

    /* Storage never initialised, of another type, or whose init failed. */
    memset(&blank, 0, sizeof blank);
    CHECK_STATUS(tcc_sign_authorization(&blank, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_NOT_INITIALIZED);
    memset(&blank, 0xA5, sizeof blank);
    CHECK_STATUS(tcc_sign_authorization(&blank, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_NOT_INITIALIZED);
    CHECK_STATUS(tcc_response_reader_init(&storage.reader), TCC_OK);
    CHECK_STATUS(tcc_sign_authorization(&storage.key, &r, TCC_SELECTION_EXACT, out, sizeof out,
                                        &needed),
                 TCC_ERR_NOT_INITIALIZED);
    CHECK_STATUS(tcc_copy_poll(&storage.machine, 0, NULL), TCC_ERR_NOT_INITIALIZED);
    CHECK_STATUS(tcc_signing_key_init(&storage.key, &c, v->start, v->end), TCC_OK);
    CHECK_STATUS(tcc_response_reader_feed(&storage.reader, (const uint8_t *)"<", 1),
                 TCC_ERR_NOT_INITIALIZED);
    CHECK_STATUS(tcc_signing_key_init(&storage.key, &c, v->end, v->start), TCC_ERR_KEY_TIME);
    CHECK_STATUS(tcc_sign_authorization(&storage.key, &r, TCC_SELECTION_EXACT, out, sizeof out,
                                        &needed),
                 TCC_ERR_NOT_INITIALIZED);

    /* Enumerations out of range, fields that exclude each other. */
    CHECK_STATUS(tcc_sign_authorization(&key, &r, 7, out, sizeof out, &needed), TCC_ERR_ARGUMENT);
    CHECK_STATUS(tcc_verify_authorization(v->authorization, &r, v->secret_key, v->start, 9),
                 TCC_ERR_ARGUMENT);
    {
        tcc_abort a;
        a.host = bucket_host();
        a.host.endpoint = TCC_STR("127.0.0.1:9000");
        a.key = TCC_STR("k");
        a.upload_id = TCC_STR("u");
        CHECK_STATUS(tcc_abort_head(&key, &a, NULL, 0, out, sizeof out, &needed),
                     TCC_ERR_ARGUMENT);
        a.host.bucket.len = 0;
        a.host.region.len = 0;
        CHECK_STATUS(tcc_abort_head(&key, &a, NULL, 0, out, sizeof out, &needed),
                     TCC_ERR_SCRATCH_TOO_SMALL);
        CHECK(needed > 0);
    }

    /* Calls out of order. */
    CHECK_STATUS(tcc_response_reader_init(&readers[0]), TCC_OK);
    CHECK_STATUS(tcc_response_document(&readers[0], &d), TCC_ERR_STATE);
    CHECK_STATUS(read_body(&readers[0], COPY_PART_XML, 100), TCC_OK);
    CHECK_STATUS(tcc_response_reader_finish(&readers[0]), TCC_OK);
    CHECK_STATUS(tcc_response_reader_feed(&readers[0], (const uint8_t *)" ", 1), TCC_ERR_STATE);

    /* Messages: one per code, static; anything else is unknown. */
    CHECK(strcmp(tcc_strerror(TCC_OK), "success") == 0);
    CHECK(strcmp(unknown, "unknown status code") == 0);
    CHECK(strcmp(tcc_strerror(-1), unknown) == 0);
    CHECK(strcmp(tcc_strerror(TCC_ERR_BUFFER_TOO_SMALL), unknown) != 0);
}

/* The key owns what it keeps: the credentials' text may be overwritten
 * as soon as tcc_signing_key_init returns. With a token, the key keeps a
 * copy and sends it (presigned query, x-cos-security-token). */
static void test_key_owns_its_strings(void)
{
    const test_vector *v = &VECTORS[0];
    tcc_request r = vector_request(v);
    char id[64], secret[64], token[TCC_MAX_TOKEN_LEN + 2], out[8192];
    size_t needed;
    tcc_signing_key key;
    tcc_credentials c;
    static const char TOKEN[] = "sts-token/with+reserved=chars";

    memcpy(id, v->secret_id.ptr, v->secret_id.len);
    memcpy(secret, v->secret_key.ptr, v->secret_key.len);
    c.secret_id.ptr = id;
    c.secret_id.len = v->secret_id.len;
    c.secret_key.ptr = secret;
    c.secret_key.len = v->secret_key.len;
    c.security_token.ptr = NULL;
    c.security_token.len = 0;
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_OK);
    memset(id, 'X', sizeof id);
    memset(secret, 'X', sizeof secret);
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_OK);
    CHECK(same(out, needed, v->authorization));

    /* Temporary credentials: the token is copied too. */
    memcpy(id, v->secret_id.ptr, v->secret_id.len);
    memcpy(secret, v->secret_key.ptr, v->secret_key.len);
    memcpy(token, TOKEN, sizeof TOKEN - 1);
    c.security_token.ptr = token;
    c.security_token.len = sizeof TOKEN - 1;
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_OK);
    memset(id, 'X', sizeof id);
    memset(secret, 'X', sizeof secret);
    memset(token, 'X', sizeof token);
    CHECK_STATUS(tcc_sign_presigned_query(&key, &r, TCC_SELECTION_EXACT, out, sizeof out,
                                          &needed),
                 TCC_OK);
    CHECK(starts_with(out, needed, "q-sign-algorithm=sha1&q-ak=AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"
                                   "&q-sign-time="));
    CHECK(contains(out, needed, "&x-cos-security-token=sts-token%2Fwith%2Breserved%3Dchars"));
    {
        tcc_initiate init;
        uint8_t scratch[1024];
        memset(&init, 0, sizeof init);
        init.host.bucket = TCC_STR("examplebucket-1250000000");
        init.host.region = TCC_STR("ap-guangzhou");
        init.key = TCC_STR("dest.bin");
        CHECK_STATUS(tcc_initiate_head(&key, &init, scratch, sizeof scratch, out, sizeof out,
                                       &needed),
                     TCC_OK);
        CHECK(contains(out, needed, "\r\nx-cos-security-token: sts-token/with+reserved=chars\r\n"));
    }

    /* A token of TCC_MAX_TOKEN_LEN bytes is kept; one byte more is refused. */
    c.secret_id = v->secret_id;
    c.secret_key = v->secret_key;
    memset(token, 't', sizeof token);
    c.security_token.ptr = token;
    c.security_token.len = TCC_MAX_TOKEN_LEN;
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_OK);
    CHECK_STATUS(tcc_sign_presigned_query(&key, &r, TCC_SELECTION_EXACT, NULL, 0, &needed),
                 TCC_ERR_BUFFER_TOO_SMALL);
    CHECK(needed > TCC_MAX_TOKEN_LEN);
    c.security_token.len = TCC_MAX_TOKEN_LEN + 1;
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_ERR_TOKEN);
    CHECK_STATUS(tcc_sign_presigned_query(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_NOT_INITIALIZED);
}

/* A request of 70 signed x-cos-meta-* headers (and Host): the library has
 * no pair limit; past TCC_SMALL_PAIRS the caller gives the pair table. */
#define MANY_META 70
static void test_many_headers(void)
{
    static char names[MANY_META][24], values[MANY_META][24];
    static tcc_pair headers[MANY_META + 1];
    static tcc_pair_slot table[MANY_META + 2];
    static char out[8192];
    static union {
        tcc_pair_slot slots[MANY_META + 2];
        unsigned char bytes[(MANY_META + 2) * sizeof(tcc_pair_slot) + 1];
    } shifted;
    const test_vector *v = &VECTORS[0];
    tcc_credentials c = credentials(v->secret_id, v->secret_key);
    tcc_signing_key key;
    tcc_request r;
    tcc_str auth;
    uint8_t scratch[4096];
    size_t needed, i;
    const size_t pairs = MANY_META + 1;

    for (i = 0; i < MANY_META; i++) {
        sprintf(names[i], "x-cos-meta-m%03u", (unsigned)(MANY_META - i));
        sprintf(values[i], "value %u", (unsigned)i);
        headers[i].name = tcc_str_of(names[i]);
        headers[i].value = tcc_str_of(values[i]);
    }
    headers[MANY_META].name = TCC_STR("Host");
    headers[MANY_META].value = TCC_STR("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com");
    memset(&r, 0, sizeof r);
    r.method = TCC_STR("PUT");
    r.path = TCC_STR("/dest/meta.bin");
    r.headers = headers;
    r.headers_len = pairs;
    CHECK_STATUS(tcc_signing_key_init(&key, &c, v->start, v->end), TCC_OK);

    /* No table, a NULL one, a misaligned one, one slot short: refused, the
     * slots needed reported. */
    needed = 0;
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_PAIR_TABLE);
    CHECK(needed == pairs);
    r.pair_table_len = pairs;
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_NULL);
    r.pair_table = (tcc_pair_slot *)(void *)(shifted.bytes + 1);
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_ALIGNMENT);
    r.pair_table = table;
    r.pair_table_len = pairs - 1;
    needed = 0;
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_PAIR_TABLE);
    CHECK(needed == pairs);
    needed = 0;
    CHECK_STATUS(tcc_http_string(&r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_ERR_PAIR_TABLE);
    CHECK(needed == pairs);

    /* Enough slots: signed, every header named in order, and verified. */
    r.pair_table_len = pairs;
    CHECK_STATUS(tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed),
                 TCC_OK);
    CHECK(contains(out, needed, "&q-header-list=host;x-cos-meta-m001;x-cos-meta-m002;"));
    CHECK(contains(out, needed, ";x-cos-meta-m069;x-cos-meta-m070&q-url-param-list=&"));
    auth.ptr = out;
    auth.len = needed;
    r.pair_table_len = pairs + 1;
    CHECK_STATUS(tcc_verify_authorization(auth, &r, v->secret_key, v->start + 1, TCC_POLICY_STRICT),
                 TCC_OK);
    r.pair_table_len = pairs - 1;
    CHECK_STATUS(tcc_verify_authorization(auth, &r, v->secret_key, v->start + 1, TCC_POLICY_COS),
                 TCC_ERR_PAIR_TABLE);
    r.pair_table_len = pairs;
    headers[35].value = TCC_STR("tampered");
    CHECK_STATUS(tcc_verify_authorization(auth, &r, v->secret_key, v->start + 1, TCC_POLICY_COS),
                 TCC_ERR_SIGNATURE_MISMATCH);
    headers[35].value = tcc_str_of(values[35]);

    /* The same request presigned, verified with the URL's params. */
    {
        static char query[8192];
        size_t qlen;
        tcc_str q;
        CHECK_STATUS(tcc_sign_presigned_query(&key, &r, TCC_SELECTION_EXACT, query, sizeof query,
                                              &qlen),
                     TCC_OK);
        q.ptr = query;
        q.len = qlen;
        CHECK_STATUS(tcc_verify_presigned(q, scratch, sizeof scratch, &needed, &r, v->secret_key,
                                          v->start + 1, TCC_POLICY_COS),
                     TCC_OK);
        r.pair_table_len = 3;
        needed = 0;
        CHECK_STATUS(tcc_verify_presigned(q, scratch, sizeof scratch, &needed, &r, v->secret_key,
                                          v->start + 1, TCC_POLICY_COS),
                     TCC_ERR_PAIR_TABLE);
        CHECK(needed == pairs);
    }
}

static const struct {
    void (*run)(void);
    const char *what;
} TESTS[] = {
    { test_vectors, "the agreed signature vectors: SignKey, StringToSign, Authorization, verify" },
    { test_requests, "UploadPartCopy equals the Python SDK capture byte for byte; Initiate, "
                     "Complete, Abort" },
    { test_presigned, "a presigned query signed and verified" },
    { test_key_owns_its_strings, "the key owns its SecretId and token: the credentials' text "
                                 "may be overwritten after init" },
    { test_many_headers, "70 signed x-cos-meta-* headers with the caller's pair table; "
                         "no table, NULL, misaligned, too small refused" },
    { test_responses, "CopyPartResult and SignatureDoesNotMatch read a byte at a time; "
                      "outcomes, cut marks, errors" },
    { test_copy_machine, "a copy of 3 parts over canned answers (2 in flight, a SlowDown "
                         "retried)" },
    { test_copy_failure, "a copy whose source is missing fails before any upload" },
    { test_refusals, "NULL, impossible lengths, invalid UTF-8, misaligned and uninitialised "
                     "storage refused" },
};

int main(void)
{
    size_t i;
    for (i = 0; i < sizeof TESTS / sizeof TESTS[0]; i++) {
        int before = failures;
        TESTS[i].run();
        printf("%s  %s\n", failures == before ? "ok  " : "FAIL", TESTS[i].what);
    }
    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
