#ifndef CIJGJPEG_H
#define CIJGJPEG_H
/* DICOM JPEG processes through GDCM's IJG 6b builds (Debian libgdcm-dev): lossy 8/12-bit and lossless
 * (process 14, every selection value) up to 16 bits. Each function returns 0 on success, otherwise fills
 * `error` (NUL-terminated, at most error_len bytes). Decoded samples are colour-by-pixel; for precision > 8 they
 * are 16-bit host-order values. The caller frees *out with cijg_free. */
#include <stddef.h>

typedef struct {
    int width, height, components, precision, lossless;
} cijg_info;

int cijg_decode(int bits, const unsigned char *src, size_t src_len, int to_rgb, unsigned char **out, size_t *out_len,
                cijg_info *info, char *error, size_t error_len);

/* Lossless process 14 with the given predictor (selection value 1..7), point transform 0. `ycbcr` labels three
 * components as YCbCr (component ids 1,2,3, JFIF) instead of RGB; no colour conversion is applied either way. */
int cijg_encode_lossless(int bits, const unsigned char *samples, int width, int height, int components, int precision,
                         int predictor, int ycbcr, unsigned char **out, size_t *out_len, char *error, size_t error_len);

void cijg_free(void *p);
#endif
