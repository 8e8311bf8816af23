"""The extra specs Nova knows (nova/api/validation/extra_specs/ at openstack/nova 00a030403f67,
with the standard traits of os-traits d4ac0c177eb3 and resource classes of os-resource-classes
70df84771a5d), and their check from microversion 2.86: a known name's value must have its type
(integer within bounds, boolean, string matching a pattern or one of a list); a name in a
known namespace that no rule matches is refused; any other name is free. The messages are
Nova's."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any

from pocketstack import errors
from pocketstack.validation import OSLO

# The parameters a name may hold, written {name} in the rules below.
PARAMETERS = {
    "group": "([a-zA-Z0-9_-]{1,64})?",
    "num": "\\d+",
    "filter": "(:\\w+)*",
    "key": ".+",
    "resource": "[A-Z0-9_]+",
    "trait": "[A-Z0-9_]+",
}

# (name, value type, constraints): "int" (min, max), "bool", "str" (pattern or enum).
RULES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("accel:device_profile", "str", {}),
    ("aggregate_instance_extra_specs:{key}", "str", {}),
    ("capabilities:id", "str", {}),
    ("capabilities:uuid", "str", {}),
    ("capabilities:service_id", "str", {}),
    ("capabilities:host", "str", {}),
    ("capabilities:vcpus", "str", {}),
    ("capabilities:memory_mb", "str", {}),
    ("capabilities:local_gb", "str", {}),
    ("capabilities:vcpus_used", "str", {}),
    ("capabilities:memory_mb_used", "str", {}),
    ("capabilities:local_gb_used", "str", {}),
    ("capabilities:hypervisor_type", "str", {}),
    ("capabilities:hypervisor_version", "str", {}),
    ("capabilities:hypervisor_hostname", "str", {}),
    ("capabilities:free_ram_mb", "str", {}),
    ("capabilities:free_disk_gb", "str", {}),
    ("capabilities:current_workload", "str", {}),
    ("capabilities:running_vms", "str", {}),
    ("capabilities:disk_available_least", "str", {}),
    ("capabilities:host_ip", "str", {}),
    ("capabilities:mapped", "str", {}),
    ("capabilities:cpu_allocation_ratio", "str", {}),
    ("capabilities:ram_allocation_ratio", "str", {}),
    ("capabilities:disk_allocation_ratio", "str", {}),
    ("capabilities:total_usable_ram_mb", "str", {}),
    ("capabilities:total_usable_disk_gb", "str", {}),
    ("capabilities:disk_mb_used", "str", {}),
    ("capabilities:free_disk_mb", "str", {}),
    ("capabilities:vcpus_total", "str", {}),
    ("capabilities:vcpus_used", "str", {}),
    ("capabilities:num_instances", "str", {}),
    ("capabilities:num_io_ops", "str", {}),
    ("capabilities:failed_builds", "str", {}),
    ("capabilities:aggregates", "str", {}),
    ("capabilities:cell_uuid", "str", {}),
    ("capabilities:updated", "str", {}),
    ("capabilities:cpu_info{filter}", "str", {}),
    ("capabilities:metrics{filter}", "str", {}),
    ("capabilities:stats{filter}", "str", {}),
    ("capabilities:numa_topology{filter}", "str", {}),
    ("capabilities:supported_hv_specs{filter}", "str", {}),
    ("capabilities:pci_device_pools{filter}", "str", {}),
    ("capabilities:nodename{filter}", "str", {}),
    ("capabilities:pci_stats{filter}", "str", {}),
    ("capabilities:supported_instances{filter}", "str", {}),
    ("capabilities:limits{filter}", "str", {}),
    ("capabilities:instances{filter}", "str", {}),
    ("hw:cpu_realtime", "bool", {}),
    ("hw:cpu_realtime_mask", "str", {"pattern": "(\\^)?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*"}),
    ("hw:hide_hypervisor_id", "bool", {}),
    ("hw:cpu_policy", "str", {"enum": ("dedicated", "shared", "mixed")}),
    ("hw:cpu_thread_policy", "str", {"enum": ("prefer", "isolate", "require")}),
    ("hw:emulator_threads_policy", "str", {"enum": ("isolate", "share")}),
    ("hw:cpu_dedicated_mask", "str", {"pattern": "\\^?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*"}),
    ("hw:mem_page_size", "str", {"pattern": "(large|small|any|\\d+([kKMGT]i?)?(b|bit|B)?)"}),
    ("hw:locked_memory", "bool", {}),
    ("hw:numa_nodes", "int", {"min": 1}),
    ("hw:numa_cpus.{num}", "str", {"pattern": "\\^?\\d+((-\\d+)?(,\\^?\\d+(-\\d+)?)?)*"}),
    ("hw:numa_mem.{num}", "int", {"min": 1}),
    ("hw:pci_numa_affinity_policy", "str",
     {"enum": ("required", "preferred", "legacy", "socket")}),
    ("hw:cpu_sockets", "int", {"min": 1}),
    ("hw:cpu_cores", "int", {"min": 1}),
    ("hw:cpu_threads", "int", {"min": 1}),
    ("hw:cpu_max_sockets", "int", {"min": 1}),
    ("hw:cpu_max_cores", "int", {"min": 1}),
    ("hw:cpu_max_threads", "int", {"min": 1}),
    ("hw:boot_menu", "bool", {}),
    ("hw:vif_multiqueue_enabled", "bool", {}),
    ("hw:mem_encryption", "bool", {}),
    ("hw:mem_encryption_model", "str", {"enum": ("amd-sev", "amd-sev-es", "amd-sev-snp")}),
    ("hw:pmem", "str", {"pattern": "([a-zA-Z0-9_]+(,)?)+"}),
    ("hw:pmu", "bool", {}),
    ("hw:serial_port_count", "int", {"min": 0}),
    ("hw:tpm_model", "str", {"enum": ("tpm-tis", "tpm-crb")}),
    ("hw:tpm_version", "str", {"enum": ("1.2", "2.0")}),
    ("hw:tpm_secret_security", "str", {"enum": ("user", "host", "deployment")}),
    ("hw:watchdog_action", "str", {"enum": ("none", "pause", "poweroff", "reset", "disabled")}),
    ("hw:viommu_model", "str", {"enum": ("intel", "smmuv3", "virtio", "auto")}),
    ("hw:virtio_packed_ring", "bool", {}),
    ("hw:sound_model", "str",
     {"enum": ("sb16", "es1370", "pcspk", "ac97", "ich6", "ich9", "usb", "virtio")}),
    ("hw:usb_model", "str", {"enum": ("none", "nec-xhci", "qemu-xhci")}),
    ("hw:redirected_usb_ports", "int", {"min": 0, "max": 15}),
    ("hw:ephemeral_encryption", "bool", {}),
    ("hw:ephemeral_encryption_format", "str", {"enum": ("plain", "luks", "luksv2")}),
    ("hw_rng:allowed", "bool", {}),
    ("hw_rng:rate_bytes", "int", {"min": 0}),
    ("hw_rng:rate_period", "int", {"min": 0}),
    ("hw_video:ram_max_mb", "int", {"min": 0}),
    ("hide_hypervisor_id", "bool", {}),
    ("group_policy", "str", {"enum": ("isolate", "none")}),
    ("os:secure_boot", "str", {"enum": ("disabled", "required")}),
    ("pci_passthrough:alias", "str", {"pattern": "[^:]+:\\d+(?:\\s*,\\s*[^:]+:\\d+)*"}),
    ("quota:cpu_limit", "int", {"min": 0}),
    ("quota:cpu_reservation", "int", {}),
    ("quota:cpu_shares_level", "str", {"enum": ("custom", "high", "normal", "low")}),
    ("quota:cpu_shares_share", "int", {"min": 0}),
    ("quota:memory_limit", "int", {"min": 0}),
    ("quota:memory_reservation", "int", {}),
    ("quota:memory_shares_level", "str", {"enum": ("custom", "high", "normal", "low")}),
    ("quota:memory_shares_share", "int", {"min": 0}),
    ("quota:disk_io_limit", "int", {"min": 0}),
    ("quota:disk_io_reservation", "int", {}),
    ("quota:disk_io_shares_level", "str", {"enum": ("custom", "high", "normal", "low")}),
    ("quota:disk_io_shares_share", "int", {"min": 0}),
    ("quota:vif_limit", "int", {"min": 0}),
    ("quota:vif_reservation", "int", {}),
    ("quota:vif_shares_level", "str", {"enum": ("custom", "high", "normal", "low")}),
    ("quota:vif_shares_share", "int", {"min": 0}),
    ("quota:cpu_shares", "int", {"min": 0}),
    ("quota:cpu_period", "int", {"min": 0}),
    ("quota:cpu_quota", "int", {}),
    ("quota:disk_read_bytes_sec", "int", {"min": 0}),
    ("quota:disk_read_iops_sec", "int", {"min": 0}),
    ("quota:disk_write_bytes_sec", "int", {"min": 0}),
    ("quota:disk_write_iops_sec", "int", {"min": 0}),
    ("quota:disk_total_bytes_sec", "int", {"min": 0}),
    ("quota:disk_total_iops_sec", "int", {"min": 0}),
    ("quota:vif_inbound_average", "int", {"min": 0}),
    ("quota:vif_inbound_peak", "int", {"min": 0}),
    ("quota:vif_inbound_burst", "int", {"min": 0}),
    ("quota:vif_outbound_average", "int", {"min": 0}),
    ("quota:vif_outbound_peak", "int", {"min": 0}),
    ("quota:vif_outbound_burst", "int", {"min": 0}),
    ("vmware:hw_version", "str", {}),
    ("vmware:storage_policy", "str", {}),
)

STANDARD_RESOURCE_CLASSES: tuple[str, ...] = (
    "VCPU", "MEMORY_MB", "DISK_GB", "PCI_DEVICE", "SRIOV_NET_VF", "NUMA_SOCKET", "NUMA_CORE",
    "NUMA_THREAD", "NUMA_MEMORY_MB", "IPV4_ADDRESS", "VGPU", "VGPU_DISPLAY_HEAD",
    "NET_BW_EGR_KILOBIT_PER_SEC", "NET_BW_IGR_KILOBIT_PER_SEC", "PCPU", "MEM_ENCRYPTION_CONTEXT",
    "FPGA", "PGPU", "NET_PACKET_RATE_KILOPACKET_PER_SEC", "NET_PACKET_RATE_EGR_KILOPACKET_PER_SEC",
    "NET_PACKET_RATE_IGR_KILOPACKET_PER_SEC",
)

STANDARD_TRAITS: tuple[str, ...] = (
    "COMPUTE_DEVICE_TAGGING", "COMPUTE_NODE", "COMPUTE_TRUSTED_CERTS",
    "COMPUTE_SAME_HOST_COLD_MIGRATE", "COMPUTE_RESCUE_BFV", "COMPUTE_ACCELERATORS",
    "COMPUTE_SOCKET_PCI_NUMA_AFFINITY", "COMPUTE_REMOTE_MANAGED_PORTS", "COMPUTE_MEM_BACKING_FILE",
    "COMPUTE_MANAGED_PCI_DEVICE", "COMPUTE_ADDRESS_SPACE_PASSTHROUGH",
    "COMPUTE_ADDRESS_SPACE_EMULATED", "COMPUTE_SHARE_LOCAL_FS", "COMPUTE_ARCH_AARCH64",
    "COMPUTE_ARCH_PPC64LE", "COMPUTE_ARCH_MIPSEL", "COMPUTE_ARCH_S390X", "COMPUTE_ARCH_RISCV64",
    "COMPUTE_ARCH_X86_64", "COMPUTE_CONFIG_DRIVE_REGENERATION", "COMPUTE_EPHEMERAL_ENCRYPTION",
    "COMPUTE_EPHEMERAL_ENCRYPTION_PLAIN", "COMPUTE_EPHEMERAL_ENCRYPTION_LUKS",
    "COMPUTE_EPHEMERAL_ENCRYPTION_LUKSV2", "COMPUTE_FIRMWARE_BIOS", "COMPUTE_FIRMWARE_UEFI",
    "COMPUTE_GRAPHICS_MODEL_BOCHS", "COMPUTE_GRAPHICS_MODEL_CIRRUS", "COMPUTE_GRAPHICS_MODEL_GOP",
    "COMPUTE_GRAPHICS_MODEL_NONE", "COMPUTE_GRAPHICS_MODEL_QXL", "COMPUTE_GRAPHICS_MODEL_VGA",
    "COMPUTE_GRAPHICS_MODEL_VIRTIO", "COMPUTE_GRAPHICS_MODEL_VMVGA", "COMPUTE_GRAPHICS_MODEL_XEN",
    "COMPUTE_IMAGE_TYPE_AKI", "COMPUTE_IMAGE_TYPE_AMI", "COMPUTE_IMAGE_TYPE_ARI",
    "COMPUTE_IMAGE_TYPE_ISO", "COMPUTE_IMAGE_TYPE_QCOW2", "COMPUTE_IMAGE_TYPE_RAW",
    "COMPUTE_IMAGE_TYPE_VDI", "COMPUTE_IMAGE_TYPE_VHD", "COMPUTE_IMAGE_TYPE_VHDX",
    "COMPUTE_IMAGE_TYPE_VMDK", "COMPUTE_IMAGE_TYPE_PLOOP", "COMPUTE_MIGRATE_AUTO_CONVERGE",
    "COMPUTE_MIGRATE_POST_COPY", "COMPUTE_NET_ATTACH_INTERFACE",
    "COMPUTE_NET_ATTACH_INTERFACE_WITH_TAG", "COMPUTE_NET_VIRTIO_PACKED",
    "COMPUTE_NET_VIF_MODEL_E1000", "COMPUTE_NET_VIF_MODEL_E1000E", "COMPUTE_NET_VIF_MODEL_LAN9118",
    "COMPUTE_NET_VIF_MODEL_NETFRONT", "COMPUTE_NET_VIF_MODEL_NE2K_PCI",
    "COMPUTE_NET_VIF_MODEL_PCNET", "COMPUTE_NET_VIF_MODEL_RTL8139",
    "COMPUTE_NET_VIF_MODEL_SPAPR_VLAN", "COMPUTE_NET_VIF_MODEL_SRIOV",
    "COMPUTE_NET_VIF_MODEL_VIRTIO", "COMPUTE_NET_VIF_MODEL_VMXNET",
    "COMPUTE_NET_VIF_MODEL_VMXNET3", "COMPUTE_NET_VIF_MODEL_IGB", "COMPUTE_SECURITY_TPM_1_2",
    "COMPUTE_SECURITY_TPM_2_0", "COMPUTE_SECURITY_TPM_TIS", "COMPUTE_SECURITY_TPM_CRB",
    "COMPUTE_SECURITY_TPM_SECRET_SECURITY_USER", "COMPUTE_SECURITY_TPM_SECRET_SECURITY_HOST",
    "COMPUTE_SECURITY_TPM_SECRET_SECURITY_DEPLOYMENT", "COMPUTE_SECURITY_UEFI_SECURE_BOOT",
    "COMPUTE_SECURITY_STATELESS_FIRMWARE", "COMPUTE_SOUND_MODEL_SB16",
    "COMPUTE_SOUND_MODEL_ES1370", "COMPUTE_SOUND_MODEL_PCSPK", "COMPUTE_SOUND_MODEL_AC97",
    "COMPUTE_SOUND_MODEL_ICH6", "COMPUTE_SOUND_MODEL_ICH9", "COMPUTE_SOUND_MODEL_USB",
    "COMPUTE_SOUND_MODEL_VIRTIO", "COMPUTE_STATUS_DISABLED", "COMPUTE_STORAGE_BUS_FDC",
    "COMPUTE_STORAGE_BUS_IDE", "COMPUTE_STORAGE_BUS_LXC", "COMPUTE_STORAGE_BUS_SATA",
    "COMPUTE_STORAGE_BUS_SCSI", "COMPUTE_STORAGE_BUS_USB", "COMPUTE_STORAGE_BUS_VIRTIO",
    "COMPUTE_STORAGE_BUS_UML", "COMPUTE_STORAGE_BUS_XEN", "COMPUTE_STORAGE_VIRTIO_FS",
    "COMPUTE_USB_MODEL_QEMU_XHCI", "COMPUTE_USB_MODEL_NEC_XHCI", "COMPUTE_VIOMMU_MODEL_INTEL",
    "COMPUTE_VIOMMU_MODEL_SMMUV3", "COMPUTE_VIOMMU_MODEL_VIRTIO", "COMPUTE_VIOMMU_MODEL_AUTO",
    "COMPUTE_VOLUME_ATTACH", "COMPUTE_VOLUME_ATTACH_WITH_TAG", "COMPUTE_VOLUME_EXTEND",
    "COMPUTE_VOLUME_MULTI_ATTACH", "HW_ARCH_ALPHA", "HW_ARCH_ARMV6", "HW_ARCH_ARMV7",
    "HW_ARCH_ARMV7B", "HW_ARCH_AARCH64", "HW_ARCH_CRIS", "HW_ARCH_I686", "HW_ARCH_IA64",
    "HW_ARCH_LM32", "HW_ARCH_M68K", "HW_ARCH_MICROBLAZE", "HW_ARCH_MICROBLAZEEL", "HW_ARCH_MIPS",
    "HW_ARCH_MIPSEL", "HW_ARCH_MIPS64", "HW_ARCH_MIPS64EL", "HW_ARCH_OPENRISC", "HW_ARCH_PARISC",
    "HW_ARCH_PARISC64", "HW_ARCH_PPC", "HW_ARCH_PPCLE", "HW_ARCH_PPC64", "HW_ARCH_PPC64LE",
    "HW_ARCH_PPCEMB", "HW_ARCH_S390", "HW_ARCH_S390X", "HW_ARCH_SH4", "HW_ARCH_SH4EB",
    "HW_ARCH_SPARC", "HW_ARCH_SPARC64", "HW_ARCH_UNICORE32", "HW_ARCH_X86_64", "HW_ARCH_XTENSA",
    "HW_ARCH_XTENSAEB", "HW_CPU_HYPERTHREADING", "HW_CPU_AARCH64_FP", "HW_CPU_AARCH64_ASIMD",
    "HW_CPU_AARCH64_EVTSTRM", "HW_CPU_AARCH64_AES", "HW_CPU_AARCH64_PMULL", "HW_CPU_AARCH64_SHA1",
    "HW_CPU_AARCH64_SHA2", "HW_CPU_AARCH64_CRC32", "HW_CPU_AARCH64_FPHP", "HW_CPU_AARCH64_ASIMDHP",
    "HW_CPU_AARCH64_ASIMDRDM", "HW_CPU_AARCH64_ATOMICS", "HW_CPU_AARCH64_JSCVT",
    "HW_CPU_AARCH64_FCMA", "HW_CPU_AARCH64_LRCPC", "HW_CPU_AARCH64_DCPOP", "HW_CPU_AARCH64_SHA3",
    "HW_CPU_AARCH64_SM3", "HW_CPU_AARCH64_SM4", "HW_CPU_AARCH64_ASIMDDP", "HW_CPU_AARCH64_SHA512",
    "HW_CPU_AARCH64_SVE", "HW_CPU_AARCH64_CPUID", "HW_CPU_AMD_SEV", "HW_CPU_PPC64LE_POWER8",
    "HW_CPU_PPC64LE_POWER9", "HW_CPU_X86_AVX", "HW_CPU_X86_AVX2", "HW_CPU_X86_CLMUL",
    "HW_CPU_X86_FMA3", "HW_CPU_X86_FMA4", "HW_CPU_X86_F16C", "HW_CPU_X86_MMX", "HW_CPU_X86_SSE",
    "HW_CPU_X86_SSE2", "HW_CPU_X86_SSE3", "HW_CPU_X86_SSSE3", "HW_CPU_X86_SSE41",
    "HW_CPU_X86_SSE42", "HW_CPU_X86_SSE4A", "HW_CPU_X86_XOP", "HW_CPU_X86_3DNOW",
    "HW_CPU_X86_AVX512F", "HW_CPU_X86_AVX512CD", "HW_CPU_X86_AVX512PF", "HW_CPU_X86_AVX512ER",
    "HW_CPU_X86_AVX512VL", "HW_CPU_X86_AVX512BW", "HW_CPU_X86_AVX512DQ", "HW_CPU_X86_AVX512VNNI",
    "HW_CPU_X86_AVX512VBMI", "HW_CPU_X86_AVX512IFMA", "HW_CPU_X86_AVX512VBMI2",
    "HW_CPU_X86_AVX512BITALG", "HW_CPU_X86_AVX512VAES", "HW_CPU_X86_AVX512GFNI",
    "HW_CPU_X86_AVX512VPCLMULQDQ", "HW_CPU_X86_AVX512VPOPCNTDQ", "HW_CPU_X86_ABM",
    "HW_CPU_X86_BMI", "HW_CPU_X86_BMI2", "HW_CPU_X86_TBM", "HW_CPU_X86_AESNI", "HW_CPU_X86_SHA",
    "HW_CPU_X86_MPX", "HW_CPU_X86_SGX", "HW_CPU_X86_TSX", "HW_CPU_X86_ASF", "HW_CPU_X86_VMX",
    "HW_CPU_X86_SVM", "HW_CPU_X86_PDPE1GB", "HW_CPU_X86_STIBP", "HW_CPU_X86_AMXBF16",
    "HW_CPU_X86_AMXINT8", "HW_CPU_X86_AMXTILE", "HW_CPU_X86_AMD_SEV", "HW_CPU_X86_AMD_SEV_ES",
    "HW_CPU_X86_AMD_SEV_SNP", "HW_CPU_X86_AMD_SVM", "HW_CPU_X86_AMD_IBPB", "HW_CPU_X86_AMD_NO_SSB",
    "HW_CPU_X86_AMD_SSBD", "HW_CPU_X86_AMD_VIRT_SSBD", "HW_CPU_X86_INTEL_MD_CLEAR",
    "HW_CPU_X86_INTEL_PCID", "HW_CPU_X86_INTEL_SPEC_CTRL", "HW_CPU_X86_INTEL_SSBD",
    "HW_CPU_X86_INTEL_VMX", "HW_CPU_X86_INTEL_TDX", "HW_GPU_API_DIRECTX_V10",
    "HW_GPU_API_DIRECTX_V11", "HW_GPU_API_DIRECTX_V12", "HW_GPU_API_DIRECT2D",
    "HW_GPU_API_DIRECT3D_V6_0", "HW_GPU_API_DIRECT3D_V7_0", "HW_GPU_API_DIRECT3D_V8_0",
    "HW_GPU_API_DIRECT3D_V8_1", "HW_GPU_API_DIRECT3D_V9_0", "HW_GPU_API_DIRECT3D_V9_0B",
    "HW_GPU_API_DIRECT3D_V9_0C", "HW_GPU_API_DIRECT3D_V9_0L", "HW_GPU_API_DIRECT3D_V10_0",
    "HW_GPU_API_DIRECT3D_V10_1", "HW_GPU_API_DIRECT3D_V11_0", "HW_GPU_API_DIRECT3D_V11_1",
    "HW_GPU_API_DIRECT3D_V11_2", "HW_GPU_API_DIRECT3D_V11_3", "HW_GPU_API_DIRECT3D_V12_0",
    "HW_GPU_API_VULKAN", "HW_GPU_API_DXVA", "HW_GPU_API_OPENCL_V1_0", "HW_GPU_API_OPENCL_V1_1",
    "HW_GPU_API_OPENCL_V1_2", "HW_GPU_API_OPENCL_V2_0", "HW_GPU_API_OPENCL_V2_1",
    "HW_GPU_API_OPENCL_V2_2", "HW_GPU_API_OPENGL_V1_1", "HW_GPU_API_OPENGL_V1_2",
    "HW_GPU_API_OPENGL_V1_3", "HW_GPU_API_OPENGL_V1_4", "HW_GPU_API_OPENGL_V1_5",
    "HW_GPU_API_OPENGL_V2_0", "HW_GPU_API_OPENGL_V2_1", "HW_GPU_API_OPENGL_V3_0",
    "HW_GPU_API_OPENGL_V3_1", "HW_GPU_API_OPENGL_V3_2", "HW_GPU_API_OPENGL_V3_3",
    "HW_GPU_API_OPENGL_V4_0", "HW_GPU_API_OPENGL_V4_1", "HW_GPU_API_OPENGL_V4_2",
    "HW_GPU_API_OPENGL_V4_3", "HW_GPU_API_OPENGL_V4_4", "HW_GPU_API_OPENGL_V4_5",
    "HW_GPU_CUDA_COMPUTE_CAPABILITY_V1_0", "HW_GPU_CUDA_COMPUTE_CAPABILITY_V1_1",
    "HW_GPU_CUDA_COMPUTE_CAPABILITY_V1_2", "HW_GPU_CUDA_COMPUTE_CAPABILITY_V1_3",
    "HW_GPU_CUDA_COMPUTE_CAPABILITY_V2_0", "HW_GPU_CUDA_COMPUTE_CAPABILITY_V2_1",
    "HW_GPU_CUDA_COMPUTE_CAPABILITY_V3_0", "HW_GPU_CUDA_COMPUTE_CAPABILITY_V3_2",
    "HW_GPU_CUDA_COMPUTE_CAPABILITY_V3_5", "HW_GPU_CUDA_COMPUTE_CAPABILITY_V3_7",
    "HW_GPU_CUDA_COMPUTE_CAPABILITY_V5_0", "HW_GPU_CUDA_COMPUTE_CAPABILITY_V5_2",
    "HW_GPU_CUDA_COMPUTE_CAPABILITY_V5_3", "HW_GPU_CUDA_COMPUTE_CAPABILITY_V6_0",
    "HW_GPU_CUDA_COMPUTE_CAPABILITY_V6_1", "HW_GPU_CUDA_COMPUTE_CAPABILITY_V6_2",
    "HW_GPU_CUDA_COMPUTE_CAPABILITY_V7_0", "HW_GPU_CUDA_COMPUTE_CAPABILITY_V7_1",
    "HW_GPU_CUDA_COMPUTE_CAPABILITY_V7_2", "HW_GPU_CUDA_SDK_V6_5", "HW_GPU_CUDA_SDK_V7_5",
    "HW_GPU_CUDA_SDK_V8_0", "HW_GPU_CUDA_SDK_V9_0", "HW_GPU_CUDA_SDK_V9_1", "HW_GPU_CUDA_SDK_V9_2",
    "HW_GPU_CUDA_SDK_V10_0", "HW_GPU_MAX_DISPLAY_HEADS_1", "HW_GPU_MAX_DISPLAY_HEADS_2",
    "HW_GPU_MAX_DISPLAY_HEADS_4", "HW_GPU_MAX_DISPLAY_HEADS_6", "HW_GPU_MAX_DISPLAY_HEADS_8",
    "HW_GPU_RESOLUTION_W320H240", "HW_GPU_RESOLUTION_W640H480", "HW_GPU_RESOLUTION_W800H600",
    "HW_GPU_RESOLUTION_W1024H600", "HW_GPU_RESOLUTION_W1024H768", "HW_GPU_RESOLUTION_W1152H864",
    "HW_GPU_RESOLUTION_W1280H720", "HW_GPU_RESOLUTION_W1280H768", "HW_GPU_RESOLUTION_W1280H800",
    "HW_GPU_RESOLUTION_W1280H1024", "HW_GPU_RESOLUTION_W1360H768", "HW_GPU_RESOLUTION_W1366H768",
    "HW_GPU_RESOLUTION_W1440H900", "HW_GPU_RESOLUTION_W1600H900", "HW_GPU_RESOLUTION_W1600H1200",
    "HW_GPU_RESOLUTION_W1680H1050", "HW_GPU_RESOLUTION_W1920H1080", "HW_GPU_RESOLUTION_W1920H1200",
    "HW_GPU_RESOLUTION_W2560H1440", "HW_GPU_RESOLUTION_W2560H1600", "HW_GPU_RESOLUTION_W3840H2160",
    "HW_GPU_RESOLUTION_W7680H4320", "HW_NIC_SRIOV", "HW_NIC_MULTIQUEUE", "HW_NIC_VMDQ",
    "HW_NIC_PROGRAMMABLE_PIPELINE", "HW_NIC_ACCEL_SSL", "HW_NIC_ACCEL_IPSEC", "HW_NIC_ACCEL_TLS",
    "HW_NIC_ACCEL_DIFFIEH", "HW_NIC_ACCEL_RSA", "HW_NIC_ACCEL_ECC", "HW_NIC_ACCEL_LZS",
    "HW_NIC_ACCEL_DEFLATE", "HW_NIC_DCB_PFC", "HW_NIC_DCB_ETS", "HW_NIC_DCB_QCN",
    "HW_NIC_OFFLOAD_TSO", "HW_NIC_OFFLOAD_GRO", "HW_NIC_OFFLOAD_GSO", "HW_NIC_OFFLOAD_UFO",
    "HW_NIC_OFFLOAD_LRO", "HW_NIC_OFFLOAD_LSO", "HW_NIC_OFFLOAD_TCS", "HW_NIC_OFFLOAD_UCS",
    "HW_NIC_OFFLOAD_SCS", "HW_NIC_OFFLOAD_L2CRC", "HW_NIC_OFFLOAD_FDF", "HW_NIC_OFFLOAD_RXVLAN",
    "HW_NIC_OFFLOAD_TXVLAN", "HW_NIC_OFFLOAD_VXLAN", "HW_NIC_OFFLOAD_GRE", "HW_NIC_OFFLOAD_GENEVE",
    "HW_NIC_OFFLOAD_TXUDP", "HW_NIC_OFFLOAD_QINQ", "HW_NIC_OFFLOAD_RDMA", "HW_NIC_OFFLOAD_RXHASH",
    "HW_NIC_OFFLOAD_RX", "HW_NIC_OFFLOAD_TX", "HW_NIC_OFFLOAD_SG", "HW_NIC_OFFLOAD_SWITCHDEV",
    "HW_NIC_SRIOV_QOS_TX", "HW_NIC_SRIOV_QOS_RX", "HW_NIC_SRIOV_MULTIQUEUE",
    "HW_NIC_SRIOV_TRUSTED", "HW_NUMA_ROOT", "HW_NVME_CES", "HW_NVME_BES", "HW_NVME_WZS",
    "HW_PCI_LIVE_MIGRATABLE", "HW_PCI_ONE_TIME_USE", "MISC_SHARES_VIA_AGGREGATE", "OWNER_CYBORG",
    "OWNER_NOVA", "STORAGE_DISK_HDD", "STORAGE_DISK_SSD",
)

TRAIT_VALUES = ("required", "forbidden")


@dataclass(frozen=True, slots=True)
class Rule:
    """One known extra spec: its name (with {parameters}), and what its value must be."""

    name: str
    kind: str
    limits: dict[str, Any] = field(default_factory=dict)

    @property
    def regex(self) -> re.Pattern[str]:
        return _regex(self.name)

    def check(self, value: str) -> None:
        if self.kind == "int":
            self._check_int(value)
        elif self.kind == "bool":
            if OSLO.parse(value.strip()) is None:
                raise _failed(f"'{value}' is not a valid boolean-like value.")
        elif "pattern" in self.limits:
            if not re.fullmatch(self.limits["pattern"], value):
                raise _failed(f"'{value}' is not of the format '{self.limits['pattern']}'.")
        elif "enum" in self.limits and value not in self.limits["enum"]:
            raise _failed(f"'{value}' is not one of: {', '.join(self.limits['enum'])}.")

    def _check_int(self, value: str) -> None:
        try:
            number = int(value)
        except ValueError:
            raise _failed(f"'{value}' is not a valid integer value.") from None
        if "max" in self.limits and self.limits["max"] < number:
            raise _failed(f"'{number}' is greater than the max value of "
                          f"'{self.limits['max']}'.")
        if "min" in self.limits and self.limits["min"] > number:
            raise _failed(f"'{number}' is less than the min value of '{self.limits['min']}'.")


def _failed(reason: str) -> errors.BadRequest:
    return errors.BadRequest(f"Validation failed; {reason}")


_REGEXES: dict[str, re.Pattern[str]] = {}


def _regex(template: str) -> re.Pattern[str]:
    """The name as a regular expression, each {parameter} a named group."""
    found = _REGEXES.get(template)
    if found is None:
        text = template
        for name, pattern in PARAMETERS.items():
            text = text.replace(f"{{{name}}}", f"(?P<{name}>{pattern})")
        found = _REGEXES[template] = re.compile(text)
    return found


def _all_rules() -> list[Rule]:
    rules = [Rule(name, kind, dict(limits)) for name, kind, limits in RULES]
    rules += [Rule(f"resources{{group}}:{name}", "int") for name in STANDARD_RESOURCE_CLASSES]
    rules.append(Rule("resources{group}:CUSTOM_{resource}", "int"))
    rules += [Rule(f"trait{{group}}:{name}", "str", {"enum": TRAIT_VALUES})
              for name in STANDARD_TRAITS]
    rules.append(Rule("trait{group}:CUSTOM_{trait}", "str", {"enum": TRAIT_VALUES}))
    return rules


@functools.cache
def known() -> tuple[dict[str, Rule], frozenset[str]]:
    """Every rule by name, and the namespaces of the names (the part before the first ':', as
    a pattern): built at the first check, since a process that never sees an extra spec should
    not carry a thousand compiled patterns."""
    rules = {rule.name: rule for rule in _all_rules()}
    return rules, frozenset(_regex(name).pattern.split(":", 1)[0] for name in rules if ":" in name)


def check(name: str, value: str) -> None:
    """400 with Nova's message when a known extra spec has a bad value, or when a name in a
    known namespace is none of its specs."""
    rules, namespaces = known()
    rule = rules.get(name)
    if rule is None:
        rule = next((r for r in rules.values() if r.regex.fullmatch(name)), None)
    if rule is not None:
        rule.check(value)
        return
    if ":" not in name:
        return
    prefix = name.split(":", 1)[0]
    if any(re.fullmatch(namespace, prefix) for namespace in namespaces):
        raise _failed(f"extra spec '{name}' does not appear to be a valid extra spec.")
