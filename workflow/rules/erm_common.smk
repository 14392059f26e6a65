# The erm section of the config and its checks.
from aim.erm import targets as erm

ERM = config["erm"]
try:
    erm.check_section(ERM)
except InputError as err:
    config_error(err)
