/* SPDX-License-Identifier: Apache-2.0 */
/* `fcc-device check [--json]`: what the storage engine knows about the store's health, for a
 * person or a script deciding whether a device keeps its identity. The figures come from
 * kcm_store_info and kcm_damage_get (docs/store.md); the damaged regions are listed with the
 * item each belongs to when the damage left its key readable. docs/fcc-device.md. */
#include "check.h"

#include "json.h"

#include <stdio.h>
#include <string.h>

const char usage_check[] =
    "usage: fcc-device --store IMAGE check [--json]\n"
    "\n"
    "Checks the store: format version, segments, used and free bytes, live and dead records,\n"
    "and every damaged region with the item it belongs to. Exit status 0 only when the store\n"
    "is healthy; 1 when it holds damage that no factory-reset or wipe accepted, or does not\n"
    "mount.\n";

const char *check_damage_what(const kcm_damage_t *d)
{
    switch (d->where.what) {
    case FST_DMG_RECORD: return "record";
    case FST_DMG_COMMIT: return "commit";
    case FST_DMG_HEADER: return "segment-header";
    default: return "unknown";
    }
}

unsigned check_damage_count(device_t *d)
{
    fst_info_t info;
    if (kcm_store_info(&d->kcm, &info) != KCM_OK)
        return 0;
    return info.damaged;
}

/* The item a damaged record belongs to, as text ("" when unknown). */
static const char *item_type(const kcm_damage_t *d)
{
    if (d->where.what != FST_DMG_RECORD)
        return "";
    if (d->internal)
        return "internal";
    if ((int)d->type == 0)
        return "";
    return device_type_name(d->type);
}

int cmd_check(const device_opts_t *g, int argc, char **argv)
{
    bool json = g->json;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--json") == 0) {
            json = true;
        } else {
            fprintf(stderr, "fcc-device: unexpected argument: %s\n\n%s", argv[i], usage_check);
            return EXIT_USAGE;
        }
    }
    static device_t dev;
    int rc = device_open(&dev, g);
    if (rc != EXIT_DEVICE_OK)
        return rc == EXIT_USAGE ? rc : EXIT_DEVICE_ERROR;
    fst_info_t info;
    kcm_status_t ks = kcm_store_info(&dev.kcm, &info);
    if (ks != KCM_OK) {
        fprintf(stderr, "fcc-device: reading the store failed: %s\n", kcm_status_message(ks));
        device_close(&dev);
        return EXIT_DEVICE_ERROR;
    }
    bool healthy = info.damaged == 0;
    json_t j;
    if (json) {
        json_init(&j, stdout, true);
        json_object_begin(&j);
        json_kv_bool(&j, "healthy", healthy);
        json_kv_int(&j, "format_version", info.format_version);
        json_kv_int(&j, "segments", info.segments);
        json_kv_int(&j, "log_segments", info.log_segments);
        json_kv_int(&j, "used_bytes", info.used_bytes);
        json_kv_int(&j, "free_bytes", info.free_bytes);
        json_kv_int(&j, "capacity_bytes", info.capacity_bytes);
        json_kv_int(&j, "live_records", info.live_items);
        json_kv_int(&j, "dead_records", info.dead_records);
        json_kv_int(&j, "damaged_records", info.damaged);
        json_key(&j, "damaged");
        json_array_begin(&j);
    } else {
        printf("store:           %s\n", healthy ? "healthy" : "DAMAGED");
        printf("format version:  %u\n", (unsigned)info.format_version);
        printf("segments:        %u (%u in the log)\n", (unsigned)info.segments,
               (unsigned)info.log_segments);
        printf("used bytes:      %u\n", (unsigned)info.used_bytes);
        printf("free bytes:      %u of %u\n", (unsigned)info.free_bytes,
               (unsigned)info.capacity_bytes);
        printf("live records:    %u\n", (unsigned)info.live_items);
        printf("dead records:    %u\n", (unsigned)info.dead_records);
        printf("damaged records: %u\n", (unsigned)info.damaged);
    }
    kcm_damage_t d;
    for (uint32_t i = 0; (ks = kcm_damage_get(&dev.kcm, i, &d)) == KCM_OK; i++) {
        const char *name = d.where.name_known ? (const char *)d.where.name : NULL;
        int nlen = (int)d.where.name_len;
        if (json) {
            json_object_begin(&j);
            json_kv_string(&j, "what", check_damage_what(&d));
            json_key(&j, "item");
            if (name != NULL)
                json_string_n(&j, name, d.where.name_len);
            else
                json_null(&j);
            json_kv_string(&j, "type", item_type(&d));
            json_kv_bool(&j, "factory_backup", d.backup);
            json_kv_int(&j, "chain_index", d.chain_index);
            json_kv_bool(&j, "hides_item", d.where.live);
            json_kv_bool(&j, "accepted", d.where.accepted);
            json_kv_int(&j, "segment", d.where.seq);
            json_kv_int(&j, "offset", d.where.off);
            json_kv_int(&j, "length", d.where.len);
            json_object_end(&j);
        } else {
            printf("  %s %s", d.where.accepted ? "accepted:" : "damaged: ", check_damage_what(&d));
            if (d.where.what == FST_DMG_RECORD)
                printf(" of %s %.*s%s", *item_type(&d) ? item_type(&d) : "key",
                       name ? nlen : 9, name ? name : "(unknown)",
                       d.backup ? " (factory backup)" : "");
            if (d.chain_index > 0)
                printf(" (chain certificate %u)", d.chain_index);
            printf(", segment %u offset %u, %u bytes%s\n", (unsigned)d.where.seq,
                   (unsigned)d.where.off, (unsigned)d.where.len,
                   d.where.live ? ", hides the item's current value" : "");
        }
    }
    if (json) {
        json_array_end(&j);
        json_object_end(&j);
        json_finish(&j);
    }
    fflush(stdout);
    device_close(&dev);
    if (ks != KCM_ERR_NOT_FOUND) {
        fprintf(stderr, "fcc-device: reading the damage failed: %s\n", kcm_status_message(ks));
        return EXIT_DEVICE_ERROR;
    }
    if (!healthy)
        fprintf(stderr, "fcc-device: the store is damaged: bundles are refused until "
                        "factory-reset or wipe\n");
    return healthy ? EXIT_DEVICE_OK : EXIT_DEVICE_ERROR;
}
