"""The TOM Toolkit's documentation, word for word (shared/docs/continuous-sharing.rst and tom_setup's settings
template), for the tests of this package: each test uses the text exactly as a TOM Toolkit user copies it."""
from __future__ import annotations

import textwrap

# continuous-sharing.rst, "Permissions": run "one time in the console".
PERMISSIONS_BLOCK = textwrap.dedent("""\
    from guardian.shortcuts import assign_perm

    # To assign the permission to a single user
    user = User.objects.get(username='myusername')
    assign_perm('tom_targets.view_persistentshare', user)
    assign_perm('tom_targets.add_persistentshare', user)
    assign_perm('tom_targets.delete_persistentshare', user)

    # To assign the permission to all users of a group
    group = Group.objects.get(name='mygroupname')
    assign_perm('tom_targets.view_persistentshare', group)
    assign_perm('tom_targets.add_persistentshare', group)
    assign_perm('tom_targets.delete_persistentshare', group)
""")

# continuous-sharing.rst, "Managing Continuous Sharing": the partials for a custom target details page.
TEMPLATE_SNIPPET = """\
<h3>Continously Share data for Target <a href="{% url 'targets:detail' pk=target.id %}" title="Back">{{ target.name }}</a></h3>
<div id='target-persistent-share-create'>
    {% create_persistent_share target %}
</div>
<h3>Manage Continuous Sharing for Target <a href="{% url 'targets:detail' pk=target.id %}"
      title="Back">{{ target.name }}</a></h3>
<div id='target-persistent-share-table'>
    {% persistent_share_table target %}
</div>
"""

# continuous-sharing.rst, the last block: what a custom DataProcessor adds after its own bulk_create.
CONTINUOUS_SHARE_BLOCK = """\
from tom_targets.sharing import continuous_share_data
# After all your logic to bulk_create ReducedDatums
# Trigger any sharing you may have set to occur when new data comes in
# Encapsulate this in a try/catch so sharing failure doesn't prevent dataproduct ingestion
try:
    continuous_share_data(dp.target, reduced_datums)
except Exception as e:
    logger.warning(f"Failed to share new dataproduct {dp.product_id}: {repr(e)}")
"""

# tom_setup's settings template (TOM Toolkit 3.1.0 and 2.x): the default processors.
DATA_PROCESSORS = {
    'photometry': 'tom_dataproducts.processors.photometry_processor.PhotometryProcessor',
    'spectroscopy': 'tom_dataproducts.processors.spectroscopy_processor.SpectroscopyProcessor',
}
