"""Block Storage API v3: GET /extensions, the Cinder extensions whose routes and attributes
this API serves (names, dates and descriptions as Cinder lists them)."""

from __future__ import annotations

from starlette.responses import Response

from pocketstack.api.http import Ctx, json_response
from pocketstack.api.routing import Route

# (alias, name, updated, description)
EXTENSIONS = [
    ('os-vol-tenant-attr', 'VolumeTenantAttribute', '2011-11-03T00:00:00+00:00',
     'Expose the internal project_id as an attribute of a volume.'),
    ('os-quota-sets', 'Quotas', '2011-08-08T00:00:00+00:00',
     'Quota management support.'),
    ('os-availability-zone', 'AvailabilityZones', '2013-06-27T00:00:00+00:00',
     'Describe Availability Zones.'),
    ('os-snapshot-actions', 'SnapshotActions', '2013-07-16T00:00:00+00:00',
     'Enable snapshot manager actions.'),
    ('os-volume-actions', 'VolumeActions', '2012-05-31T00:00:00+00:00',
     'Enable volume actions.'),
    ('os-vol-host-attr', 'VolumeHostAttribute', '2011-11-03T00:00:00+00:00',
     'Expose host as an attribute of a volume.'),
    ('os-vol-image-meta', 'VolumeImageMetadata', '2012-12-07T00:00:00+00:00',
     'Show image metadata associated with the volume.'),
    ('os-types-manage', 'TypesManage', '2011-08-24T00:00:00+00:00',
     'Types manage support.'),
    ('os-types-extra-specs', 'TypesExtraSpecs', '2011-08-24T00:00:00+00:00',
     'Type extra specs support.'),
    ('os-used-limits', 'UsedLimits', '2013-10-03T00:00:00+00:00',
     'Provide data on limited resources that are being used.'),
    ('os-vol-mig-status-attr', 'VolumeMigStatusAttribute', '2013-08-08T00:00:00+00:00',
     'Expose migration_status as an attribute of a volume.'),
    ('os-volume-type-access', 'VolumeTypeAccess', '2014-06-26T00:00:00Z',
     'Volume type access support.'),
    ('os-extended-snapshot-attributes', 'ExtendedSnapshotAttributes', '2012-06-19T00:00:00+00:00',
     'Extended SnapshotAttributes support.'),
    ('os-admin-actions', 'AdminActions', '2012-08-25T00:00:00+00:00',
     'Enable admin actions.'),
    ('backups', 'Backups', '2012-12-12T00:00:00+00:00', 'Backups support.'),
    ('os-volume-transfer', 'VolumeTransfer', '2013-05-29T00:00:00+00:00',
     'Volume transfer management support.'),
    ('os-services', 'Services', '2012-10-28T00:00:00-00:00', 'Services support.'),
    ('os-extended-services', 'ExtendedServices', '2014-01-10T00:00:00-00:00',
     'Extended services support.'),
    ('capabilities', 'Capabilities', '2015-08-31T00:00:00+00:00', 'Capabilities support.'),
    ('scheduler-stats', 'Scheduler_stats', '2014-09-07T00:00:00+00:00',
     'Scheduler stats support.'),
    ('os-hosts', 'Hosts', '2011-06-29T00:00:00+00:00', 'Admin-only host administration.'),
    ('os-quota-class-sets', 'QuotaClasses', '2012-03-12T00:00:00+00:00',
     'Quota classes management support.'),
]


async def list_extensions(ctx: Ctx) -> Response:
    return json_response({"extensions": [
        {"alias": alias, "description": description, "links": [], "name": name,
         "updated": updated}
        for alias, name, updated, description in EXTENSIONS]})


ROUTES: list[Route] = [Route("GET", "/extensions", list_extensions)]
