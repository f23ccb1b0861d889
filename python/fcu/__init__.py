# SPDX-License-Identifier: Apache-2.0
"""fcu: the factory provisioning tool's API for Python line software (pure Python over libfcu).

    from fcu import FactoryToolApi
"""
from .api import (SETUP_CSR_PENDING, SETUP_DONE, SETUP_INVALID, SETUP_NOT_DONE, CaDetails,
                  DeviceConfigurationRequest, DeviceResponseStatus, ErrorInfo, FactoryToolApi,
                  FcuOperationContext, SetupStatus, ValidationResult, WarningInfo)
from . import framing

__all__ = ["FactoryToolApi", "SetupStatus", "CaDetails", "ErrorInfo", "WarningInfo",
           "ValidationResult", "DeviceConfigurationRequest", "DeviceResponseStatus",
           "FcuOperationContext", "framing", "SETUP_DONE", "SETUP_NOT_DONE", "SETUP_CSR_PENDING",
           "SETUP_INVALID"]
__version__ = "0.1.0"
