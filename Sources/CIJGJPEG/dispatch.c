#include <stdio.h>
#include <stdlib.h>
#include "cijgjpeg.h"

int cijg8_decode(const unsigned char *, size_t, int, unsigned char **, size_t *, cijg_info *, char *, size_t);
int cijg12_decode(const unsigned char *, size_t, int, unsigned char **, size_t *, cijg_info *, char *, size_t);
int cijg16_decode(const unsigned char *, size_t, int, unsigned char **, size_t *, cijg_info *, char *, size_t);
int cijg8_encode_lossless(const unsigned char *, int, int, int, int, int, int, unsigned char **, size_t *, char *, size_t);
int cijg12_encode_lossless(const unsigned char *, int, int, int, int, int, int, unsigned char **, size_t *, char *, size_t);
int cijg16_encode_lossless(const unsigned char *, int, int, int, int, int, int, unsigned char **, size_t *, char *, size_t);

int cijg_decode(int bits, const unsigned char *src, size_t src_len, int to_rgb, unsigned char **out, size_t *out_len,
                cijg_info *info, char *error, size_t error_len) {
    switch (bits) {
    case 8: return cijg8_decode(src, src_len, to_rgb, out, out_len, info, error, error_len);
    case 12: return cijg12_decode(src, src_len, to_rgb, out, out_len, info, error, error_len);
    case 16: return cijg16_decode(src, src_len, to_rgb, out, out_len, info, error, error_len);
    default: snprintf(error, error_len, "no IJG build for %d bits", bits); return 1;
    }
}

/* These IJG builds code lossless data only at their own sample precision: P = 8, 12 or 16. */
int cijg_encode_lossless(int bits, const unsigned char *samples, int width, int height, int components, int precision,
                         int predictor, int ycbcr, unsigned char **out, size_t *out_len, char *error, size_t error_len) {
    (void)precision;
    switch (bits) {
    case 8: return cijg8_encode_lossless(samples, width, height, components, 8, predictor, ycbcr, out, out_len, error, error_len);
    case 12: return cijg12_encode_lossless(samples, width, height, components, 12, predictor, ycbcr, out, out_len, error, error_len);
    case 16: return cijg16_encode_lossless(samples, width, height, components, 16, predictor, ycbcr, out, out_len, error, error_len);
    default: snprintf(error, error_len, "no IJG build for %d bits", bits); return 1;
    }
}

void cijg_free(void *p) { free(p); }
