#define BITS_IN_JSAMPLE 12
#define IJG_BITS 12
#define IJG_PREFIX cijg12_
#include <stdio.h>
#include <gdcm-3.0/gdcmjpeg/12/mangle_jpeg12bits.h>
#include <gdcm-3.0/gdcmjpeg/12/jpeglib.h>
#include "cijgjpeg.h"
#include "ijg_template.h"
