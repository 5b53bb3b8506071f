/*  fuzz_config.c — libFuzzer target: configuration-file text, the one
    decoder of the foundation. Any input must load or be refused with a
    message, never crash or leak. */
#include "common/config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    if (size > 1 << 16)
        return 0;
    char *text = malloc (size + 1);
    if (!text)
        return 0;
    memcpy (text, data, size);
    text[size] = '\0';
    nq_config_t *config = nq_config_new ();
    if (config) {
        if (nq_config_load_text (config, text, "fuzz") != 0 && nq_config_error (config)[0] == '\0')
            abort ();    //  a refusal must always say why
        char shown[256];
        for (int i = 0; i < NQ_CFG__COUNT; i++)
            nq_config_display (config, (nq_cfg_id_t) i, shown, sizeof shown);
        nq_config_destroy (&config);
    }
    free (text);
    return 0;
}
