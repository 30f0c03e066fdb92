// ProjectSync in Azure: the resources the README's manual set-up creates,
// in one deployment to a resource group.
//
//   - a Flex Consumption plan and the Function App on it (Linux, runtime
//     custom 1.0, the handler of this repository), with a system-assigned
//     and a user-assigned managed identity;
//   - the storage account of the Function App: the host's own blobs, the
//     container Flex Consumption deploys the package from, and the table of
//     the idempotency ledger, all reached with the user-assigned identity
//     (shared keys are turned off);
//   - Application Insights on a Log Analytics workspace;
//   - the Key Vault (Azure RBAC permission model) for the client secret of
//     the app registration, and optionally the secret itself;
//   - the role assignments: Key Vault Secrets User on the vault for the
//     identity the handler reads the secret with, Storage Table Data
//     Contributor (the ledger) and Storage Blob Data Owner (host and
//     deployment container) on the storage account for the user-assigned
//     identity;
//   - every app setting the handler reads in Azure, plus the host's
//     identity-based storage connection and Application Insights;
//   - with callerAuth = easyauth, App Service Authentication in front of the
//     functions.
//
// The e2e test deploy_test.go reads this file: keep each app setting as a
// literal { name, value } object in siteConfig.appSettings, and objects and
// arrays on several lines, so that the test can see them.
//
// Deploy: see deploy/README.md.

// ---------------------------------------------------------------------------
// Names and sizes
// ---------------------------------------------------------------------------

@description('Short name the resource names are made from: letters, digits and hyphens. With the unique suffix the Function App name stays within 32 characters, so that its host ID is unique.')
@minLength(3)
@maxLength(18)
param baseName string = 'projectsync'

@description('Region of every resource. Flex Consumption is offered in some regions only: az functionapp list-flexconsumption-locations.')
param location string = resourceGroup().location

@description('Name of the Function App; its host name is <name>.azurewebsites.net.')
param functionAppName string = '${baseName}-${uniqueString(resourceGroup().id)}'

@description('Name of the key vault: 3 to 24 letters, digits and hyphens, globally unique.')
@minLength(3)
@maxLength(24)
param keyVaultName string = 'kv-${uniqueString(resourceGroup().id, baseName)}'

@description('Turn on purge protection of the vault. Once on, it cannot be turned off.')
param keyVaultPurgeProtection bool = true

@description('Largest number of instances Flex Consumption may run.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each instance, in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Identity the handler reads the client secret with: UserAssigned (the identity this template creates, MANAGED_IDENTITY_CLIENT_ID set) or SystemAssigned (MANAGED_IDENTITY_CLIENT_ID empty). The storage connection always uses the user-assigned identity.')
@allowed([
  'UserAssigned'
  'SystemAssigned'
])
param handlerIdentityType string = 'UserAssigned'

// ---------------------------------------------------------------------------
// WorkPoint and the app registration (app settings WORKPOINT_*)
// ---------------------------------------------------------------------------

@description('WORKPOINT_TENANT_ID: directory (tenant) ID of the app registration that has the WorkPoint application permission.')
param workpointTenantId string

@description('WORKPOINT_CLIENT_ID: application (client) ID of that app registration.')
param workpointClientId string

@description('WORKPOINT_AUDIENCE: App ID URI (or application ID) of the WorkPoint 365 Web API.')
param workpointAudience string = 'https://workpoint365.dk/WorkPoint365.WebAPI'

@description('WORKPOINT_API_URL: base URL of the WorkPoint Web API.')
param workpointApiUrl string = 'https://api.workpoint365.com'

@description('WORKPOINT_SOLUTION_URL: root site of the WorkPoint solution, e.g. https://contoso.sharepoint.com/sites/workpoint.')
param workpointSolutionUrl string

@description('WORKPOINT_BUSINESS_MODULE_ID: GUID of the business module entities are created in.')
param workpointBusinessModuleId string

@description('WORKPOINT_SITE_CREATION: false, true or enum:<value>.')
param workpointSiteCreation string = 'false'

@description('WORKPOINT_PARENT: default parent entity, a numeric id or a title. Empty: none.')
param workpointParent string = ''

@description('WORKPOINT_PARENT_MODULE_ID: the parent business module, when not the Parent of the module. Empty: as WorkPoint says.')
param workpointParentModuleId string = ''

@description('WORKPOINT_PARENT_FIELD: internal name of the relation field. Empty: as WorkPoint says.')
param workpointParentField string = ''

@description('WORKPOINT_PARENT_COLUMN: SharePoint column that names the parent of a raw item. Empty: the default parent.')
param workpointParentColumn string = ''

@description('WORKPOINT_FIELD_MAP: JSON that maps SharePoint columns to WorkPoint fields. Empty: columns are copied under their own names.')
param workpointFieldMap string = ''

@description('WORKPOINT_APP_ROLE: application role a WorkPoint token must carry.')
param workpointAppRole string = 'ApplicationAccess'

@description('WORKPOINT_SOURCE_FIELD: text field of the business module that receives the idempotency key. Empty: none.')
param workpointSourceField string = ''

@description('WORKPOINT_CREDENTIAL: secret (client secret from Key Vault) or federated (the user-assigned identity as a federated credential of the app registration).')
@allowed([
  'secret'
  'federated'
])
param workpointCredential string = 'secret'

@description('FEDERATED_TOKEN_AUDIENCE: audience of the managed identity token used as client assertion, with WORKPOINT_CREDENTIAL federated.')
param federatedTokenAudience string = 'api://AzureADTokenExchange'

// ---------------------------------------------------------------------------
// The client secret in Key Vault (app settings KEY_VAULT_*)
// ---------------------------------------------------------------------------

@description('KEY_VAULT_SECRET_NAME: the secret that holds the client secret of the app registration.')
param keyVaultSecretName string = 'workpoint-client-secret'

@description('KEY_VAULT_SECRET_VERSION: pin one version. Empty: the latest.')
param keyVaultSecretVersion string = ''

@description('KEY_VAULT_SECRET_CACHE_TTL: how long a secret read is reused.')
param keyVaultSecretCacheTtl string = '1h'

@description('The client secret (its Value, not its Secret ID), stored as keyVaultSecretName when given. Empty: the secret is not touched.')
@secure()
param workpointClientSecret string = ''

@description('Expiry of that client secret, e.g. 2027-06-30T00:00:00Z, stored as the exp attribute of the secret. Empty: none.')
param workpointClientSecretExpiresOn string = ''

// ---------------------------------------------------------------------------
// Requests, logs, idempotency and callers
// ---------------------------------------------------------------------------

@description('REQUEST_TIMEOUT: deadline of each request, 10s to 110s.')
param requestTimeout string = '60s'

@description('CREATE_SETTLE_TIME: how long a create without an answer is given to complete; at least REQUEST_TIMEOUT.')
param createSettleTime string = '3m'

@description('MAX_BODY_BYTES: largest request body.')
param maxBodyBytes string = '1048576'

@description('LOG_LEVEL: debug, info, warn or error.')
@allowed([
  'debug'
  'info'
  'warn'
  'error'
])
param logLevel string = 'info'

@description('LOG_AZURE_SDK: true routes the Azure SDK log events into the debug log, redacted.')
@allowed([
  'false'
  'true'
])
param logAzureSdk string = 'false'

@description('IDEMPOTENCY_TABLE: table of the idempotency ledger in the storage account.')
param idempotencyTable string = 'ProjectSyncLedger'

@description('CALLER_AUTH: none (function keys only) or easyauth (App Service Authentication in front; every caller brings an Entra ID token; the handler checks ALLOWED_CALLERS).')
@allowed([
  'none'
  'easyauth'
])
param callerAuth string = 'none'

@description('ALLOWED_CALLERS: comma-separated application (client) ids or object ids that may call, with callerAuth easyauth, e.g. the principal id of a Logic App identity.')
param allowedCallers string = ''

@description('With callerAuth easyauth: application (client) ID of the app registration that stands for ProjectSync as an API.')
param easyAuthClientId string = ''

@description('With callerAuth easyauth: the audience callers ask tokens for, the App ID URI of that app registration, e.g. api://projectsync.')
param easyAuthAudience string = ''

// ---------------------------------------------------------------------------
// Derived names and well-known role definitions
// ---------------------------------------------------------------------------

var suffix = uniqueString(resourceGroup().id, baseName)
var storageAccountName = take('st${toLower(replace(baseName, '-', ''))}${suffix}', 24)
var deploymentContainerName = 'app-package'
var handlerUsesUserAssigned = handlerIdentityType == 'UserAssigned' || workpointCredential == 'federated'

// Built-in role definitions; their GUIDs are the same in every tenant.
var keyVaultSecretsUserRoleId = '4633458b-17de-408a-b874-0445c86b69e6'
var storageTableDataContributorRoleId = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'

// ---------------------------------------------------------------------------
// Identity, monitoring, storage, vault
// ---------------------------------------------------------------------------

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-${baseName}-${suffix}'
  location: location
}

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${baseName}-${suffix}'
  location: location
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: 'appi-${baseName}-${suffix}'
  location: location
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logs.id
  }
}

resource storage 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: storageAccountName
  location: location
  kind: 'StorageV2'
  sku: {
    name: 'Standard_LRS'
  }
  properties: {
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: storage
  name: 'default'
}

resource ledgerTable 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = {
  parent: tableService
  name: idempotencyTable
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: keyVaultName
  location: location
  properties: {
    tenantId: subscription().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 90
    enablePurgeProtection: keyVaultPurgeProtection ? true : null
  }
}

resource clientSecret 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (!empty(workpointClientSecret)) {
  parent: vault
  name: keyVaultSecretName
  properties: {
    value: workpointClientSecret
    contentType: 'client secret of the app registration ${workpointClientId}'
    attributes: {
      enabled: true
      exp: empty(workpointClientSecretExpiresOn) ? null : dateTimeToEpoch(workpointClientSecretExpiresOn)
    }
  }
}

// ---------------------------------------------------------------------------
// Role assignments
// ---------------------------------------------------------------------------

resource storageBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appIdentity.id, storageBlobDataOwnerRoleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwnerRoleId)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource storageTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appIdentity.id, storageTableDataContributorRoleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributorRoleId)
    principalId: appIdentity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource vaultSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, functionAppName, handlerIdentityType, keyVaultSecretsUserRoleId)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUserRoleId)
    principalId: handlerUsesUserAssigned ? appIdentity.properties.principalId : functionApp.identity.principalId
    principalType: 'ServicePrincipal'
  }
}

// ---------------------------------------------------------------------------
// The plan and the Function App
// ---------------------------------------------------------------------------

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: 'plan-${baseName}-${suffix}'
  location: location
  kind: 'functionapp'
  sku: {
    tier: 'FlexConsumption'
    name: 'FC1'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  kind: 'functionapp,linux'
  identity: {
    type: 'SystemAssigned, UserAssigned'
    userAssignedIdentities: {
      '${appIdentity.id}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: appIdentity.id
          }
        }
      }
      scaleAndConcurrency: {
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        name: 'custom'
        version: '1.0'
      }
    }
    siteConfig: {
      minTlsVersion: '1.2'
      appSettings: [
        // The host's storage, identity-based; the ledger uses it too.
        {
          name: 'AzureWebJobsStorage__accountName'
          value: storage.name
        }
        {
          name: 'AzureWebJobsStorage__credential'
          value: 'managedidentity'
        }
        {
          name: 'AzureWebJobsStorage__clientId'
          value: appIdentity.properties.clientId
        }
        {
          name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
          value: appInsights.properties.ConnectionString
        }
        // WorkPoint and the app registration.
        {
          name: 'WORKPOINT_TENANT_ID'
          value: workpointTenantId
        }
        {
          name: 'WORKPOINT_CLIENT_ID'
          value: workpointClientId
        }
        {
          name: 'WORKPOINT_AUDIENCE'
          value: workpointAudience
        }
        {
          name: 'WORKPOINT_API_URL'
          value: workpointApiUrl
        }
        {
          name: 'WORKPOINT_SOLUTION_URL'
          value: workpointSolutionUrl
        }
        {
          name: 'WORKPOINT_BUSINESS_MODULE_ID'
          value: workpointBusinessModuleId
        }
        {
          name: 'WORKPOINT_SITE_CREATION'
          value: workpointSiteCreation
        }
        {
          name: 'WORKPOINT_PARENT'
          value: workpointParent
        }
        {
          name: 'WORKPOINT_PARENT_MODULE_ID'
          value: workpointParentModuleId
        }
        {
          name: 'WORKPOINT_PARENT_FIELD'
          value: workpointParentField
        }
        {
          name: 'WORKPOINT_PARENT_COLUMN'
          value: workpointParentColumn
        }
        {
          name: 'WORKPOINT_FIELD_MAP'
          value: workpointFieldMap
        }
        {
          name: 'WORKPOINT_APP_ROLE'
          value: workpointAppRole
        }
        {
          name: 'WORKPOINT_SOURCE_FIELD'
          value: workpointSourceField
        }
        {
          name: 'WORKPOINT_CREDENTIAL'
          value: workpointCredential
        }
        {
          name: 'FEDERATED_TOKEN_AUDIENCE'
          value: federatedTokenAudience
        }
        // The client secret and the identity that reads it.
        {
          name: 'KEY_VAULT_URL'
          value: vault.properties.vaultUri
        }
        {
          name: 'KEY_VAULT_SECRET_NAME'
          value: keyVaultSecretName
        }
        {
          name: 'KEY_VAULT_SECRET_VERSION'
          value: keyVaultSecretVersion
        }
        {
          name: 'KEY_VAULT_SECRET_CACHE_TTL'
          value: keyVaultSecretCacheTtl
        }
        {
          name: 'MANAGED_IDENTITY_CLIENT_ID'
          value: handlerUsesUserAssigned ? appIdentity.properties.clientId : ''
        }
        {
          name: 'AZURE_AUTHORITY_HOST'
          value: environment().authentication.loginEndpoint
        }
        // Requests, logs, idempotency, callers.
        {
          name: 'REQUEST_TIMEOUT'
          value: requestTimeout
        }
        {
          name: 'CREATE_SETTLE_TIME'
          value: createSettleTime
        }
        {
          name: 'MAX_BODY_BYTES'
          value: maxBodyBytes
        }
        {
          name: 'LOG_LEVEL'
          value: logLevel
        }
        {
          name: 'LOG_AZURE_SDK'
          value: logAzureSdk
        }
        {
          name: 'IDEMPOTENCY_STORE'
          value: 'table'
        }
        {
          name: 'IDEMPOTENCY_TABLE'
          value: idempotencyTable
        }
        {
          name: 'CALLER_AUTH'
          value: callerAuth
        }
        {
          name: 'ALLOWED_CALLERS'
          value: allowedCallers
        }
      ]
    }
  }
  dependsOn: [
    deploymentContainer
    ledgerTable
    storageBlobOwner
    storageTableContributor
  ]
}

// App Service Authentication: a caller must bring an Entra ID token for
// easyAuthAudience; the handler then checks the caller against
// ALLOWED_CALLERS. The issuer is the one of the v1 tokens that managed
// identities receive.
resource easyAuth 'Microsoft.Web/sites/config@2024-04-01' = if (callerAuth == 'easyauth') {
  parent: functionApp
  name: 'authsettingsV2'
  properties: {
    platform: {
      enabled: true
    }
    globalValidation: {
      requireAuthentication: true
      unauthenticatedClientAction: 'Return401'
    }
    identityProviders: {
      azureActiveDirectory: {
        enabled: true
        registration: {
          clientId: easyAuthClientId
          openIdIssuer: 'https://sts.windows.net/${tenant().tenantId}/'
        }
        validation: {
          allowedAudiences: [
            easyAuthAudience
          ]
        }
      }
    }
    login: {
      tokenStore: {
        enabled: false
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------

output functionAppName string = functionApp.name
output functionAppHostName string = functionApp.properties.defaultHostName
output projectSyncUrl string = 'https://${functionApp.properties.defaultHostName}/api/ProjectSync'
output systemAssignedPrincipalId string = functionApp.identity.principalId
output userAssignedPrincipalId string = appIdentity.properties.principalId
output userAssignedClientId string = appIdentity.properties.clientId
output keyVaultName string = vault.name
output keyVaultUri string = vault.properties.vaultUri
output storageAccountName string = storage.name
output applicationInsightsName string = appInsights.name
