/*
 * tencent-cos-core's C interface in a C firmware on a Cortex-M3 (QEMU
 * lm3s6965evb): the agreed signature vectors (SignKey, StringToSign,
 * Authorization, verified back), the Python SDK's UploadPartCopy capture
 * byte for byte, a CopyPartResult fed 16 bytes at a time and a
 * SignatureDoesNotMatch body fed one byte at a time.
 *
 * No C library: built with -ffreestanding -nostdlib against the thumbv7m
 * staticlib; no malloc exists to call. Output and exit by semihosting.
 * Each phase runs on a freshly painted stack and prints its peak.
 */
#include <stddef.h>
#include <stdint.h>

#include "tencent_cos_core.h"
#include "test_data.h"

int semihost_call(int op, const void *arg);
void semihost_exit(int status);
int main(void);

/* The end of .bss, where the stack may grow down to (link.ld). */
extern uint32_t _ebss;

static void print(const char *s)
{
    (void)semihost_call(0x04, s); /* SYS_WRITE0 */
}

static void print_number(size_t n)
{
    char digits[24];
    size_t i = sizeof digits - 1;
    digits[i] = '\0';
    do {
        digits[--i] = (char)('0' + n % 10);
        n /= 10;
    } while (n != 0 && i > 0);
    print(&digits[i]);
}

static int same(const void *p, size_t len, tcc_str s)
{
    const unsigned char *a = (const unsigned char *)p;
    const unsigned char *b = (const unsigned char *)s.ptr;
    size_t i;
    if (len != s.len) {
        return 0;
    }
    for (i = 0; i < len; i++) {
        if (a[i] != b[i]) {
            return 0;
        }
    }
    return 1;
}

/* The caller's storage: outside the measured stack. */
static tcc_signing_key key;
static tcc_response_reader reader;
static char out[1024];
static uint8_t scratch[1024];

static const char *failed_check;
static const char *failed_input;

static int fail(const char *what, const char *input)
{
    failed_check = what;
    failed_input = input;
    return -1;
}

static int sign(void)
{
    size_t i, needed;
    for (i = 0; i < VECTOR_COUNT; i++) {
        const test_vector *v = &VECTORS[i];
        tcc_credentials c;
        tcc_request r = vector_request(v);
        c.secret_id = v->secret_id;
        c.secret_key = v->secret_key;
        c.security_token.ptr = NULL;
        c.security_token.len = 0;
        if (tcc_signing_key_init(&key, &c, v->start, v->end) != TCC_OK) {
            return fail("key", v->name);
        }
        if (tcc_signing_key_sign_key(&key, out, sizeof out, &needed) != TCC_OK ||
            !same(out, needed, v->sign_key)) {
            return fail("SignKey", v->name);
        }
        if (tcc_string_to_sign(&r, TCC_SELECTION_EXACT, v->start, v->end, out, sizeof out,
                               &needed) != TCC_OK ||
            !same(out, needed, v->string_to_sign)) {
            return fail("StringToSign", v->name);
        }
        if (tcc_sign_authorization(&key, &r, TCC_SELECTION_EXACT, out, sizeof out, &needed) !=
                TCC_OK ||
            !same(out, needed, v->authorization)) {
            return fail("Authorization", v->name);
        }
    }
    return VECTOR_COUNT;
}

static int request(void)
{
    tcc_upload_part_copy u;
    tcc_credentials c;
    size_t needed;
    c.secret_id = VECTORS[0].secret_id;
    c.secret_key = VECTORS[0].secret_key;
    c.security_token.ptr = NULL;
    c.security_token.len = 0;
    if (tcc_signing_key_init(&key, &c, UPC_START, UPC_END) != TCC_OK) {
        return fail("key", "UploadPartCopy");
    }
    u = upc_request();
    if (tcc_upload_part_copy_head(&key, &u, scratch, sizeof scratch, out, sizeof out, &needed) !=
            TCC_OK ||
        !same(out, needed, UPC_HEAD)) {
        return fail("request head", "UploadPartCopy");
    }
    return (int)needed;
}

static int read_body(tcc_str body, size_t step)
{
    size_t at;
    if (tcc_response_reader_init(&reader) != TCC_OK) {
        return 0;
    }
    for (at = 0; at < body.len; at += step) {
        size_t n = body.len - at < step ? body.len - at : step;
        if (tcc_response_reader_feed(&reader, (const uint8_t *)body.ptr + at, n) != TCC_OK) {
            return 0;
        }
    }
    return tcc_response_reader_finish(&reader) == TCC_OK;
}

static int parse(void)
{
    tcc_document d;
    tcc_outcome o;
    if (!read_body(COPY_PART_XML, 16) || tcc_response_document(&reader, &d) != TCC_OK ||
        d.kind != TCC_DOCUMENT_COPY_PART_RESULT || !same(d.etag.ptr, d.etag.len, COPY_PART_ETAG) ||
        !same(d.last_modified.ptr, d.last_modified.len, COPY_PART_LAST_MODIFIED)) {
        return fail("document", "copy-part-result.xml");
    }
    if (tcc_response_outcome(&reader, 200, TCC_DOCUMENT_COPY_PART_RESULT, &o) != TCC_OK ||
        o.kind != TCC_OUTCOME_SUCCESS) {
        return fail("outcome", "copy-part-result.xml");
    }
    if (!read_body(SIGNATURE_XML, 1) || tcc_response_document(&reader, &d) != TCC_OK ||
        d.kind != TCC_DOCUMENT_ERROR || !same(d.code.ptr, d.code.len, SIGNATURE_CODE) ||
        !same(d.message.ptr, d.message.len, SIGNATURE_MESSAGE) ||
        !same(d.request_id.ptr, d.request_id.len, SIGNATURE_REQUEST_ID)) {
        return fail("document", "error-signature.xml");
    }
    if (tcc_response_outcome(&reader, 403, TCC_DOCUMENT_COPY_PART_RESULT, &o) != TCC_OK ||
        o.kind != TCC_OUTCOME_SERVICE_ERROR || o.code != TCC_COS_SIGNATURE_DOES_NOT_MATCH ||
        o.retryable != 0) {
        return fail("outcome", "error-signature.xml");
    }
    return 2;
}

static int verify(void)
{
    size_t i;
    for (i = 0; i < VECTOR_COUNT; i++) {
        const test_vector *v = &VECTORS[i];
        tcc_request r = vector_request(v);
        uint64_t mid = v->start + (v->end - v->start) / 2;
        if (tcc_verify_authorization(v->authorization, &r, v->secret_key, mid, TCC_POLICY_COS) !=
            TCC_OK) {
            return fail("verify", v->name);
        }
        if (tcc_verify_authorization(v->authorization, &r, v->secret_key, v->end + 1,
                                     TCC_POLICY_COS) != TCC_ERR_EXPIRED) {
            return fail("expired", v->name);
        }
    }
    return VECTOR_COUNT;
}

#define PAINT 0xC05C0DE5u

/* Paints the free stack below `top`; returns the painted bottom. */
static uint32_t *paint(uint32_t *top)
{
    volatile uint32_t *p = &_ebss;
    while ((uint32_t *)p < top) {
        *p++ = PAINT;
    }
    return &_ebss;
}

/* The lowest word written since `paint`. */
static uint32_t *low_water(void)
{
    volatile uint32_t *p = &_ebss;
    while (*p == PAINT) {
        p++;
    }
    return (uint32_t *)p;
}

typedef int (*phase_fn)(void);

/* Runs a phase on a painted stack; prints what it checked and its peak. */
static int run(const char *name, phase_fn phase, uint32_t *top)
{
    int result;
    size_t peak;
    paint(top);
    result = phase();
    peak = (size_t)((char *)top - (char *)low_water());
    if (result < 0) {
        print("FAIL  ");
        print(name);
        print(": ");
        print(failed_check);
        print(" (");
        print(failed_input);
        print(")\n");
        return 0;
    }
    print("ok    ");
    print(name);
    print(" (");
    print_number((size_t)result);
    print("): stack ");
    print_number(peak);
    print(" bytes\n");
    return 1;
}

int main(void)
{
    /* Below this frame, with a margin for `run` and `paint` themselves. */
    uint32_t here;
    uint32_t *top = (uint32_t *)((uintptr_t)&here - 256u);
    int ok = 1;
    print("tencent-cos-core C interface on a Cortex-M3 (");
    print_number(VECTOR_COUNT);
    print(" vectors)\n");
    ok &= run("sign", sign, top);
    ok &= run("request", request, top);
    ok &= run("parse", parse, top);
    ok &= run("verify", verify, top);
    print(ok ? "all checks passed\n" : "FAILED\n");
    return ok ? 0 : 1;
}
