package io.iommusim.trace.imports.qemu;

import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The QEMU trace events the importer knows (hw/i386/trace-events and hw/arm/trace-events, every version
 * it has seen), each with the format strings of its versions, or the reason it carries nothing for the
 * model. Formats are QEMU's with placeholders ({@link Template}); the first that matches is the
 * line's version ({@code era}).
 */
final class QemuEvents {
  private QemuEvents() {}

  /** What a known event becomes; the prefix says the vendor. */
  enum Kind {
    // Intel VT-d
    V_TRANSLATE, V_IOTLB_HIT, V_IOTLB_UPDATE, V_PASSTHROUGH, V_CONTEXT_HIT, V_CONTEXT_UPDATE, V_SWITCH_AS,
    V_CE_NOT_PRESENT, V_REPLAY_VALID, V_REPLAY_INVALID, V_WALK_ONE, V_FAULT, V_DMAR_ROOT,
    V_INV_DESC, V_CC_GLOBAL, V_CC_DOMAIN, V_CC_DEVICE, V_CC_DEVICES, V_IOTLB_GLOBAL, V_IOTLB_DOMAIN, V_IOTLB_PAGES,
    V_IOTLB_PASID_PAGES, V_IOTLB_PASID, V_IEC,
    V_MSI_REQ, V_IRTE_GET, V_REMAP_MSI, V_IR_SID_ERROR, V_IR_MSI_INVALID, V_IR_OTHER, V_IR_ENABLE,
    // AMD-Vi
    A_TRANSLATE, A_IOTLB_HIT, A_CACHE_UPDATE, A_PAGE_FAULT, A_PAGES_INVAL, A_DEVTAB_INVAL, A_IOTLB_INVAL,
    A_INTR_INVAL, A_ALL_INVAL, A_MSI_REQ,
    // Arm SMMUv3
    S_TRANSLATE, S_BYPASS, S_DISABLED, S_ABORT, S_EVENT, S_CONFIG, S_LOOKUP, S_PAGE_PTE, S_BLOCK_PTE, S_CD_TT,
    S_OPCODE, S_CFGI_STE, S_CFGI_STE_RANGE, S_CFGI_CD, S_RANGE_INVAL, S_NH_VA, S_NH_VAA, S_TLBI_NH, S_TLBI_NSNH,
    S_TLBI_NH_ASID, S_TLBI_S12_VMID,
    S_INV_ALL, S_INV_ASID, S_INV_VMID, S_INV_IOVA, S_CONFIG_INV, S_CONFIG_INV_RANGE;

    boolean isInterruptRemapping() {
      return INTERRUPT_REMAPPING.contains(this);
    }

    /** The decoded forms of a vtd_inv_desc descriptor. */
    boolean isDecodedDescriptor() {
      return DECODED_DESCRIPTORS.contains(this);
    }

    /** QEMU's own actions on its SMMU caches, which follow the command that caused them. */
    boolean isSmmuCacheAction() {
      return SMMU_CACHE_ACTIONS.contains(this);
    }
  }

  private static final Set<Kind> INTERRUPT_REMAPPING = EnumSet.of(Kind.V_IRTE_GET, Kind.V_REMAP_MSI,
      Kind.V_IR_SID_ERROR, Kind.V_IR_MSI_INVALID, Kind.V_IR_OTHER);
  private static final Set<Kind> DECODED_DESCRIPTORS = EnumSet.range(Kind.V_CC_GLOBAL, Kind.V_IEC);
  private static final Set<Kind> SMMU_CACHE_ACTIONS = EnumSet.range(Kind.S_INV_ALL, Kind.S_CONFIG_INV_RANGE);

  /** A known event: its kind and format versions, or the reason it is ignored. */
  record Spec(Kind kind, Template[] formats, String ignored) {}

  private static final Map<String, Spec> SPECS = new HashMap<>();

  static Spec get(String event) {
    return SPECS.get(event);
  }

  private static void on(String event, Kind kind, String... formats) {
    Template[] t = new Template[formats.length];
    for (int i = 0; i < formats.length; i++) {
      t[i] = Template.of(formats[i]);
    }
    SPECS.put(event, new Spec(kind, t, null));
  }

  private static void ignore(String reason, String... events) {
    for (String e : events) {
      SPECS.put(e, new Spec(null, null, reason));
    }
  }

  static final String REGISTERS = "register or queue access";
  static final String INTERNAL = "QEMU internal state";
  static final String WALK_STEP = "page-walk step (the leaf lines carry the map state)";
  static final String IR_DETAIL = "interrupt-remapping detail (the request and IRTE lines carry it)";
  static final String WAIT = "invalidation wait";
  static final String PASID_CACHE = "PASID-cache invalidation (the model has no PASID caches)";
  static final String OWN_INTERRUPT = "the IOMMU's own interrupt (fault event or completion)";
  static final String FAULT_DETAIL = "fault recording detail (vtd_dmar_fault carries the fault)";
  static final String SHADOW = "QEMU's shadow mappings for vfio (the guest's tables are unchanged)";
  static final String STE_CD = "stream table or context descriptor access";
  static final String NOTIFIER = "notifier bookkeeping";
  static final String WALK_ERROR = "AMD-Vi walk error without a device (no fault record can be built)";
  static final String AMD_IR = "AMD-Vi interrupt-remapping detail (amdvi_ir_remap_msi_req carries the request)";

  static {
    // ---- Intel VT-d: per-DMA translation ----
    on("vtd_dmar_translate", Kind.V_TRANSLATE, "dev {b} iova {x} -> gpa {x} mask {x}");
    on("vtd_iotlb_page_hit", Kind.V_IOTLB_HIT, "IOTLB page hit sid {x} iova {x} slpte {x} domain {x}");
    on("vtd_iotlb_page_update", Kind.V_IOTLB_UPDATE, "IOTLB page update sid {x} iova {x} slpte {x} domain {x}");
    on("vtd_translate_pt", Kind.V_PASSTHROUGH, "source id {q} iova {x}");
    on("vtd_iotlb_cc_hit", Kind.V_CONTEXT_HIT, "IOTLB context hit bus {x} devfn {x} high {x} low {x} gen {d}");
    on("vtd_iotlb_cc_update", Kind.V_CONTEXT_UPDATE,
        "IOTLB context update bus {x} devfn {x} high {x} low {x} gen {d} -> gen {d}");
    on("vtd_switch_address_space", Kind.V_SWITCH_AS, "Device {b} switching address space iommu enabled= {d}");
    on("vtd_ce_not_present", Kind.V_CE_NOT_PRESENT, "Context entry bus {d} devfn {d} not present");
    on("vtd_replay_ce_valid", Kind.V_REPLAY_VALID, "{s} replay valid context device {b} domain {x} hi {x} lo {x}",
        "replay valid context device {b} domain {x} hi {x} lo {x}");
    on("vtd_replay_ce_invalid", Kind.V_REPLAY_INVALID, "replay invalid context device {b}");
    on("vtd_page_walk_one", Kind.V_WALK_ONE, "domain {q} iova {x} -> gpa {x} mask {x} perm {d}",
        "detected page level {x} iova {x} -> gpa {x} mask {x} perm {d}");
    on("vtd_dmar_fault", Kind.V_FAULT, "sid {x} fault {d} addr {x} write {d}");
    on("vtd_reg_dmar_root", Kind.V_DMAR_ROOT, "addr {x} scalable {d}", "addr {x} extended {d}");
    // ---- invalidations ----
    on("vtd_inv_desc", Kind.V_INV_DESC, "invalidate desc type {s} high {x} low {x}");
    on("vtd_inv_desc_cc_global", Kind.V_CC_GLOBAL, "context invalidate globally");
    on("vtd_inv_desc_cc_domain", Kind.V_CC_DOMAIN, "context invalidate domain {x}");
    on("vtd_inv_desc_cc_device", Kind.V_CC_DEVICE, "context invalidate device {b}");
    on("vtd_inv_desc_cc_devices", Kind.V_CC_DEVICES, "context invalidate devices sid {x} fmask {x}");
    on("vtd_inv_desc_iotlb_global", Kind.V_IOTLB_GLOBAL, "iotlb invalidate global");
    on("vtd_inv_desc_iotlb_domain", Kind.V_IOTLB_DOMAIN, "iotlb invalidate whole domain {x}");
    on("vtd_inv_desc_iotlb_pages", Kind.V_IOTLB_PAGES, "iotlb invalidate domain {x} addr {x} mask {x}");
    on("vtd_inv_desc_iotlb_pasid_pages", Kind.V_IOTLB_PASID_PAGES,
        "iotlb invalidate domain {x} addr {x} mask {x} pasid {x}");
    on("vtd_inv_desc_iotlb_pasid", Kind.V_IOTLB_PASID, "iotlb invalidate domain {x} pasid {x}");
    on("vtd_inv_desc_iec", Kind.V_IEC, "granularity {x} index {x} mask {x}");
    // ---- interrupt remapping ----
    on("vtd_ir_remap_msi_req", Kind.V_MSI_REQ, "addr {x} data {x}", "addr {x} data {x} sid {x} do_fault {d}");
    on("vtd_ir_irte_get", Kind.V_IRTE_GET, "index {d} low {x} high {x}");
    on("vtd_ir_remap_msi", Kind.V_REMAP_MSI, "addr {x} data {x} -> addr {x} data {x}");
    on("vtd_err_irte_sid", Kind.V_IR_SID_ERROR, "index {d} SVT_ALL sid {x} should be: {x}");
    on("vtd_err_ir_msi_invalid", Kind.V_IR_MSI_INVALID, "sid {x} addr {x} data {x}");
    on("vtd_ir_remap", Kind.V_IR_OTHER, "{*}");
    on("vtd_ir_remap_type", Kind.V_IR_OTHER, "{*}");
    on("vtd_warn_ir_vector", Kind.V_IR_OTHER, "{*}");
    on("vtd_warn_ir_trigger", Kind.V_IR_OTHER, "{*}");
    on("vtd_err_irte", Kind.V_IR_OTHER, "{*}");
    on("vtd_err_irte_sid_bus", Kind.V_IR_OTHER, "{*}");
    on("vtd_err_irte_svt", Kind.V_IR_OTHER, "{*}");
    on("vtd_ir_enable", Kind.V_IR_ENABLE, "enable {d}");
    ignore(REGISTERS, "vtd_reg_read", "vtd_reg_write", "vtd_reg_ir_root", "vtd_reg_write_gcmd", "vtd_reg_write_fectl",
        "vtd_reg_write_iectl", "vtd_reg_ics_clear_ip", "vtd_reg_write_vcmd", "vtd_inv_qi_enable", "vtd_inv_qi_setup",
        "vtd_inv_qi_head", "vtd_inv_qi_tail", "vtd_inv_qi_fetch", "vtd_warn_invalid_qi_tail", "vtd_err_qi_disable",
        "vtd_err_qi_tail", "vtd_dmar_enable");
    ignore(INTERNAL, "vtd_iotlb_reset", "vtd_context_cache_reset", "vtd_pasid_cache_reset", "vtd_pt_enable_fast_path",
        "vtd_re_not_present", "vtd_re_invalid", "vtd_ce_invalid", "vtd_err", "vtd_err_dmar_iova_overflow",
        "vtd_err_dmar_slpte_read_error", "vtd_err_dmar_slpte_perm_error", "vtd_err_dmar_slpte_resv_error",
        "vtd_err_dmar_translate", "vtd_inv_desc_invalid", "vtd_inv_desc_cc_invalid", "vtd_inv_desc_iotlb_invalid",
        "x86_iommu_iec_notify");
    ignore(WALK_STEP, "vtd_page_walk_level", "vtd_page_walk_one_skip_map", "vtd_page_walk_one_skip_unmap",
        "vtd_page_walk_skip_read", "vtd_page_walk_skip_reserve", "vtd_page_walk_skip_perm");
    ignore(SHADOW, "vtd_as_unmap_whole");
    ignore(WAIT, "vtd_inv_desc_wait_sw", "vtd_inv_desc_wait_irq", "vtd_inv_desc_wait_write_fail",
        "vtd_inv_desc_wait_invalid");
    ignore(PASID_CACHE, "vtd_pasid_cache_gsi", "vtd_pasid_cache_dsi", "vtd_pasid_cache_psi");
    ignore(OWN_INTERRUPT, "vtd_irq_generate");
    ignore(FAULT_DETAIL, "vtd_frr_new", "vtd_fault_disabled", "vtd_fsts_ppf", "vtd_fsts_clear_ip");

    // ---- AMD-Vi ----
    on("amdvi_translation_result", Kind.A_TRANSLATE, "devid: {b} gpa {x} hpa {x}");
    on("amdvi_iotlb_hit", Kind.A_IOTLB_HIT, "hit iotlb devid {b} gpa {x} hpa {x}");
    on("amdvi_cache_update", Kind.A_CACHE_UPDATE, "update iotlb domid {x} devid: {b} gpa {x} hpa {x}");
    on("amdvi_page_fault", Kind.A_PAGE_FAULT, "error: page fault accessing guest physical address {x}");
    on("amdvi_pages_inval", Kind.A_PAGES_INVAL, "AMD-Vi pages for domain {x} invalidated");
    on("amdvi_devtab_inval", Kind.A_DEVTAB_INVAL, "device table entry for devid: {b} invalidated");
    on("amdvi_iotlb_inval", Kind.A_IOTLB_INVAL, "IOTLB pages invalidated");
    on("amdvi_intr_inval", Kind.A_INTR_INVAL, "Interrupt table invalidated");
    on("amdvi_all_inval", Kind.A_ALL_INVAL, "Invalidation of all AMD-Vi cache requested");
    on("amdvi_ir_remap_msi_req", Kind.A_MSI_REQ, "addr {x} data {x} devid {x}");
    ignore(REGISTERS, "amdvi_mmio_write", "amdvi_mmio_read", "amdvi_mmio_read_invalid", "amdvi_command_error",
        "amdvi_command_read_fail", "amdvi_command_exec", "amdvi_unhandled_command", "amdvi_control_status",
        "amdvi_completion_wait", "amdvi_completion_wait_fail", "amdvi_evntlog_fail", "amdvi_ppr_exec",
        "amdvi_prefetch_pages");
    ignore(INTERNAL, "amdvi_iotlb_reset", "amdvi_err");
    ignore(WALK_ERROR, "amdvi_invalid_dte", "amdvi_mode_invalid", "amdvi_get_pte_hwerror", "amdvi_dte_get_fail");
    ignore(AMD_IR, "amdvi_ir_remap_msi", "amdvi_mem_ir_write_req", "amdvi_mem_ir_write", "amdvi_ir_irte",
        "amdvi_ir_irte_val", "amdvi_ir_err", "amdvi_ir_intctl", "amdvi_ir_target_abort", "amdvi_ir_delivery_mode",
        "amdvi_ir_irte_ga_val", "amdvi_ir_irte_ga");

    // ---- Arm SMMUv3 (smmuv3.c) and its common code (smmu-common.c) ----
    on("smmuv3_translate_success", Kind.S_TRANSLATE,
        "{s} sid= {n} iova= {x} translated= {x} perm= {x} stage= {d}", "{s} sid= {n} iova= {x} translated= {x} perm= {x}");
    on("smmuv3_translate_bypass", Kind.S_BYPASS, "{s} sid= {n} STE bypass iova: {x} is_write= {d}");
    on("smmuv3_translate_disable", Kind.S_DISABLED, "{s} sid= {n} bypass smmu disabled iova: {x} is_write= {d}");
    on("smmuv3_translate_abort", Kind.S_ABORT, "{s} sid= {n} abort on iova: {x} is_write= {d}");
    on("smmuv3_propagate_event", Kind.S_EVENT, "{s} sid= {n}");
    on("smmuv3_record_event", Kind.S_EVENT, "{s} sid= {n}");
    on("smmuv3_config_cache_hit", Kind.S_CONFIG, "Config cache HIT for sid= {n} {*}", "Config cache HIT for sid {n} {*}");
    on("smmuv3_config_cache_miss", Kind.S_CONFIG, "Config cache MISS for sid= {n} {*}",
        "Config cache MISS for sid {n} {*}");
    on("smmu_iotlb_lookup_hit", Kind.S_LOOKUP, "IOTLB cache HIT asid= {d} vmid= {d} addr= {x} {*}",
        "IOTLB cache HIT asid= {d} addr= {x} {*}");
    on("smmu_iotlb_lookup_miss", Kind.S_LOOKUP, "IOTLB cache MISS asid= {d} vmid= {d} addr= {x} {*}",
        "IOTLB cache MISS asid= {d} addr= {x} {*}");
    on("smmu_iotlb_cache_hit", Kind.S_LOOKUP, "IOTLB cache HIT asid= {d} vmid= {d} addr= {x} {*}",
        "IOTLB cache HIT asid= {d} addr= {x} {*}");
    on("smmu_iotlb_cache_miss", Kind.S_LOOKUP, "IOTLB cache MISS asid= {d} vmid= {d} addr= {x} {*}",
        "IOTLB cache MISS asid= {d} addr= {x} {*}");
    on("smmu_ptw_page_pte", Kind.S_PAGE_PTE,
        "stage= {d} level= {d} iova= {x} base@= {x} pte@= {x} pte= {x} page address= {x}");
    on("smmu_ptw_block_pte", Kind.S_BLOCK_PTE,
        "stage= {d} level= {d} base@= {x} pte@= {x} pte= {x} iova= {x} block address= {x} block size= {d} MiB");
    on("smmuv3_decode_cd_tt", Kind.S_CD_TT, "{s} {d} ttb: {x} granule_sz: {d} {*}");
    on("smmuv3_cmdq_opcode", Kind.S_OPCODE, "<--- {s}");
    on("smmuv3_cmdq_cfgi_ste", Kind.S_CFGI_STE, "streamid= {n}");
    on("smmuv3_cmdq_cfgi_ste_range", Kind.S_CFGI_STE_RANGE, "start= {q} - end= {q}");
    on("smmuv3_cmdq_cfgi_cd", Kind.S_CFGI_CD, "sid= {n}", "streamid= {n}");
    on("smmuv3_range_inval", Kind.S_RANGE_INVAL,
        "vmid= {d} asid= {d} addr= {x} tg= {d} num_pages= {x} ttl= {d} leaf= {d} stage= {d}",
        "vmid= {d} asid= {d} addr= {x} tg= {d} num_pages= {x} ttl= {d} leaf= {d}");
    on("smmuv3_cmdq_tlbi_nh_va", Kind.S_NH_VA, "vmid= {d} asid= {d} addr= {x} leaf= {d}");
    on("smmuv3_cmdq_tlbi_nh_vaa", Kind.S_NH_VAA, "vmid= {d} addr= {x}");
    on("smmuv3_cmdq_tlbi_nh", Kind.S_TLBI_NH, "vmid= {d}", "");
    on("smmuv3_cmdq_tlbi_nsnh", Kind.S_TLBI_NSNH, "");
    on("smmuv3_cmdq_tlbi_nh_asid", Kind.S_TLBI_NH_ASID, "asid= {d}");
    on("smmuv3_cmdq_tlbi_s12_vmid", Kind.S_TLBI_S12_VMID, "vmid= {d}");
    on("smmu_iotlb_inv_all", Kind.S_INV_ALL, "IOTLB invalidate all");
    on("smmu_iotlb_inv_asid", Kind.S_INV_ASID, "IOTLB invalidate asid= {d}");
    on("smmu_iotlb_inv_asid_vmid", Kind.S_INV_ASID, "IOTLB invalidate asid= {d} vmid= {d}");
    on("smmu_iotlb_inv_vmid", Kind.S_INV_VMID, "IOTLB invalidate vmid= {d}");
    on("smmu_iotlb_inv_vmid_s1", Kind.S_INV_VMID, "IOTLB invalidate vmid= {d}");
    on("smmu_iotlb_inv_iova", Kind.S_INV_IOVA, "IOTLB invalidate asid= {d} addr= {x}");
    on("smmuv3_config_cache_inv", Kind.S_CONFIG_INV, "Config cache INV for sid= {n}", "Config cache INV for sid {n}");
    on("smmu_config_cache_inv", Kind.S_CONFIG_INV, "Config cache INV for sid= {n}", "Config cache INV for sid {n}");
    on("smmu_configs_inv_sid_range", Kind.S_CONFIG_INV_RANGE, "Config cache INV SID range from {x} to {x}");
    ignore(REGISTERS, "smmuv3_read_mmio", "smmuv3_write_mmio", "smmuv3_write_mmio_idr",
        "smmuv3_write_mmio_evtq_cons_bef_clear", "smmuv3_write_mmio_evtq_cons_after_clear", "smmuv3_trigger_irq",
        "smmuv3_write_gerror", "smmuv3_write_gerrorn", "smmuv3_unhandled_cmd", "smmuv3_cmdq_consume",
        "smmuv3_cmdq_consume_out", "smmuv3_cmdq_consume_error", "smmuv3_update", "smmuv3_update_check_cmd",
        "tegra241_cmdqv_read_mmio", "tegra241_cmdqv_write_mmio");
    ignore(STE_CD, "smmuv3_find_ste", "smmuv3_find_ste_2lvl", "smmuv3_get_ste", "smmuv3_get_cd", "smmuv3_decode_cd",
        "smmuv3_accel_set_iommu_device", "smmuv3_accel_unset_iommu_device", "smmuv3_accel_translate_ste",
        "smmuv3_accel_install_ste");
    ignore(WALK_STEP, "smmu_ptw_level", "smmu_ptw_invalid_pte", "smmu_get_pte", "smmu_page_walk", "smmu_lookup_table",
        "smmu_iotlb_insert");
    ignore(NOTIFIER, "smmu_add_mr", "smmu_inv_notifiers_mr", "smmuv3_notify_flag_add", "smmuv3_notify_flag_del",
        "smmuv3_inv_notifiers_iova", "smmu_reset_exit");
  }
}
