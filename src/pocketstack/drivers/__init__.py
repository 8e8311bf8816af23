"""Hypervisor drivers: fake (simulated guests) and qemu (real VMs over QMP)."""
