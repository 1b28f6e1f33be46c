#include <stdio.h>
#include "tencent_cos_core.h"

int main(void)
{
    /* The key of one validity window, in storage you own: no heap. */
    tcc_signing_key key;
    tcc_credentials creds = {
        TCC_STR("AKIDQjz3ltompVjBni5LitkWHFlFpwkn9U5q"),
        TCC_STR("BQYIM75p8x0iWVFSIgqEKwFprpRSVHlz"),
        { NULL, 0 } /* no security token */
    };
    /* The path is the decoded one; params and headers are name/value pairs. */
    tcc_pair params[] = {
        { TCC_STR("partNumber"), TCC_STR("1") },
        { TCC_STR("uploadId"), TCC_STR("1585130821cbb7df1d11846c073ad648e8f33b087cec2381df437acdc833cf654b9ecc6361") },
    };
    tcc_pair headers[] = {
        { TCC_STR("Host"), TCC_STR("examplebucket-1250000000.cos.ap-guangzhou.myqcloud.com") },
        { TCC_STR("x-cos-copy-source"), TCC_STR("sourcebucket-1250000000.cos.ap-guangzhou.myqcloud.com/source/big-file.bin") },
        { TCC_STR("x-cos-copy-source-range"), TCC_STR("bytes=0-1048575") },
    };
    tcc_request request = { TCC_STR("PUT"), TCC_STR("/dest/big-file.bin"), params, 2, headers, 3,
                            NULL, 0 };
    char authorization[512];
    size_t len = 0;

    /* Time is an input: the window 1700000000..1700003600 (Unix seconds). */
    tcc_status s = tcc_signing_key_init(&key, &creds, 1700000000u, 1700003600u);
    if (s == TCC_OK) {
        s = tcc_sign_authorization(&key, &request, TCC_SELECTION_EXACT, authorization,
                                   sizeof authorization, &len);
    }
    if (s != TCC_OK) {
        /* TCC_ERR_BUFFER_TOO_SMALL would leave the size needed in len. */
        fprintf(stderr, "signing failed: %s\n", tcc_strerror(s));
        return 1;
    }
    printf("Authorization: %.*s\n", (int)len, authorization);
    return 0;
}
