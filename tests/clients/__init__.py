"""The stock OpenStack clients (openstack CLI, openstacksdk, novaclient, libcloud) against a live cloud."""
