#define BITS_IN_JSAMPLE 8
#define IJG_BITS 8
#define IJG_PREFIX cijg8_
#include <stdio.h>
#include <gdcm-3.0/gdcmjpeg/8/mangle_jpeg8bits.h>
#include <gdcm-3.0/gdcmjpeg/8/jpeglib.h>
#include "cijgjpeg.h"
#include "ijg_template.h"
